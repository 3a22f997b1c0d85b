"""Reward rules loaded from the seed file, and events made in code."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.seed import SEED_DIR
from core.clock import FrozenClock
from courses.events import CourseCompleted, LessonCompleted, QuizPassed, QuizPerfect
from courses.importing import import_course, publish_course
from courses.models import Course, Lesson
from courses.sources import bundle_source
from courses.validation import validate_course
from gamification.ledger.models import Currency
from gamification.ledger.queries import history
from gamification.rewards.catalogue import read_rule_file, save_rules
from gamification.rewards.rules import Rule

SEED_RULES = {rule.kind: rule for rule in read_rule_file(SEED_DIR / "rewards.yaml")}

LoadRules = Callable[..., Awaitable[dict[str, Rule]]]


def rules_loader(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> LoadRules:
    async def load(**changes: dict[str, Any]) -> dict[str, Rule]:
        """Load the seed rules, each changed by `changes[kind]` (e.g. points=30)."""
        rules = {kind: replace(rule, **changes.get(kind, {})) for kind, rule in SEED_RULES.items()}
        async with sessionmaker.begin() as db:
            await save_rules(db, list(rules.values()), now=clock.now())
        return rules

    return load


@pytest.fixture
def load_rules(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> LoadRules:
    return rules_loader(sessionmaker, clock)


@pytest.fixture
def load_committing_rules(
    committing_sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> LoadRules:
    return rules_loader(committing_sessionmaker, clock)


def lesson_done(
    user_id: uuid.UUID, at: datetime, lesson_id: uuid.UUID | None = None
) -> LessonCompleted:
    return LessonCompleted(user_id, lesson_id or uuid.uuid4(), "basics", "lesson-a", at)


def quiz_passed(user_id: uuid.UUID, at: datetime, lesson_id: uuid.UUID) -> QuizPassed:
    return QuizPassed(user_id, lesson_id, "basics", uuid.uuid4(), 2, 3, at)


def quiz_perfect(user_id: uuid.UUID, at: datetime, lesson_id: uuid.UUID) -> QuizPerfect:
    return QuizPerfect(user_id, lesson_id, "basics", uuid.uuid4(), 3, at)


def course_done(user_id: uuid.UUID, at: datetime) -> CourseCompleted:
    return CourseCompleted(user_id, uuid.uuid4(), "basics", at)


async def points_history(db: AsyncSession, user_id: uuid.UUID) -> list[int]:
    """The user's points postings, oldest first."""
    entries = await history(db, user_id, currency=Currency.POINTS, before_seq=None, limit=1000)
    return [entry.amount for entry in reversed(entries)]


Publish = Callable[[dict[str, Any]], Awaitable[dict[str, uuid.UUID]]]


def publisher(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Publish:
    async def publish(document: dict[str, Any]) -> dict[str, uuid.UUID]:
        """Import and publish a course bundle; its lesson ids by slug."""
        bundle, problems = validate_course(bundle_source(document))
        assert bundle is not None, problems
        async with sessionmaker.begin() as db:
            await import_course(db, bundle, now=clock.now(), imported_by=None)
            await publish_course(db, bundle.slug, now=clock.now())
            rows = await db.execute(
                sa.select(col(Lesson.slug), col(Lesson.id))
                .join(Course, col(Course.id) == col(Lesson.course_id))
                .where(col(Course.slug) == bundle.slug)
            )
            return {slug: lesson_id for slug, lesson_id in rows}  # noqa: C416

    return publish


@pytest.fixture
def publish(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Publish:
    return publisher(sessionmaker, clock)


@pytest.fixture
def committing_publish(
    committing_sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> Publish:
    return publisher(committing_sessionmaker, clock)
