"""Reading and completing lessons.

Opening a lesson starts its clock on the server (`opened_at`, stored once); completing it
sooner than the minimum read time is refused, so points cannot be farmed by tapping through.
"""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from courses.access import LessonContext, lesson_context, open_lesson_context
from courses.errors import LessonNotOpened, LessonReadTooFast
from courses.events import CourseCompleted, LearningEvent, LessonCompleted
from courses.models import CourseProgress, LessonProgress, LessonVersion
from courses.shuffle import questions_for


@dataclass(frozen=True)
class LessonView:
    id: uuid.UUID
    slug: str
    course_slug: str
    locale: str
    position: int
    title: str
    est_minutes: int
    min_read_seconds: int
    opened_at: datetime
    completed: bool
    cards_json: str  # [{kind, body}], JSON as the response carries it
    pass_score: int
    questions: list[dict[str, Any]]  # [{id, kind, prompt, choices: [{id, text}]}]


@dataclass(frozen=True)
class LessonCompletion:
    lesson_id: uuid.UUID
    events: list[LearningEvent]


def min_read_seconds(est_minutes: int, factor: float) -> int:
    return int(est_minutes * 60 * factor)


async def open_lesson(
    db: AsyncSession,
    lesson_id: uuid.UUID,
    *,
    user_id: uuid.UUID,
    risk_profile: str | None,
    locale: str,
    now: datetime,
    min_read_factor: float,
) -> LessonView:
    """The lesson without its answers, its choices in the learner's own order
    (`courses.shuffle`); the first opening starts the lesson's clock, in the statement that
    reads the lesson."""
    opening = await open_lesson_context(
        db, lesson_id, user_id=user_id, locale=locale, risk_profile=risk_profile, now=now
    )
    context = opening.context
    context.ensure_unlocked(risk_profile)
    opened_at = context.opened_at or opening.started_at
    assert opened_at is not None, "the statement starts the clock of a lesson the caller may take"
    return LessonView(
        id=lesson_id,
        slug=context.lesson_slug,
        course_slug=context.course_slug,
        locale=opening.locale,
        position=context.position,
        title=opening.title,
        est_minutes=context.est_minutes,
        min_read_seconds=min_read_seconds(context.est_minutes, min_read_factor),
        opened_at=opened_at,
        completed=context.completed_at is not None,
        cards_json=opening.cards_json,
        pass_score=context.answer_key["pass_score"],
        questions=questions_for(opening.questions, learner_id=user_id, lesson_id=lesson_id),
    )


async def complete_lesson(
    db: AsyncSession,
    lesson_id: uuid.UUID,
    *,
    user_id: uuid.UUID,
    risk_profile: str | None,
    now: datetime,
    min_read_factor: float,
) -> LessonCompletion:
    """Mark the lesson completed; the first completion returns the events it causes."""
    context = await lesson_context(db, lesson_id, user_id=user_id)
    context.ensure_unlocked(risk_profile)
    if context.completed_at is not None:
        return LessonCompletion(lesson_id, [])
    if context.opened_at is None:
        raise LessonNotOpened()
    ready_at = context.opened_at + timedelta(
        seconds=min_read_seconds(context.est_minutes, min_read_factor)
    )
    if now < ready_at:
        wait = max(1, math.ceil((ready_at - now).total_seconds()))
        raise LessonReadTooFast(minutes=context.est_minutes, seconds=wait, retry_after_seconds=wait)
    await _lock_course_progress(db, user_id=user_id, course_id=context.course_id, now=now)
    completed = await db.execute(
        sa.update(LessonProgress)
        .where(
            col(LessonProgress.user_id) == user_id,
            col(LessonProgress.lesson_id) == lesson_id,
            col(LessonProgress.completed_at).is_(None),
        )
        .values(completed_at=now)
        .returning(col(LessonProgress.lesson_id))
    )
    if completed.first() is None:  # completed meanwhile by a concurrent request
        return LessonCompletion(lesson_id, [])
    events: list[LearningEvent] = [
        LessonCompleted(user_id, lesson_id, context.course_slug, context.lesson_slug, now)
    ]
    if await _course_now_completed(db, context, user_id=user_id, now=now):
        events.append(CourseCompleted(user_id, context.course_id, context.course_slug, now))
    return LessonCompletion(lesson_id, events)


async def _lock_course_progress(
    db: AsyncSession, *, user_id: uuid.UUID, course_id: uuid.UUID, now: datetime
) -> None:
    """Upsert the learner's course row and hold its lock until commit: two lessons of one
    course completed at once then count each other's completion, so the course completes
    exactly once."""
    await db.execute(
        insert(CourseProgress)
        .values(user_id=user_id, course_id=course_id, started_at=now, updated_at=now)
        .on_conflict_do_update(index_elements=["user_id", "course_id"], set_={"updated_at": now})
    )


async def _course_now_completed(
    db: AsyncSession, context: LessonContext, *, user_id: uuid.UUID, now: datetime
) -> bool:
    done = await db.scalar(
        sa.select(sa.func.count())
        .select_from(LessonVersion)
        .join(
            LessonProgress,
            sa.and_(
                col(LessonProgress.lesson_id) == col(LessonVersion.lesson_id),
                col(LessonProgress.user_id) == user_id,
                col(LessonProgress.completed_at).is_not(None),
            ),
        )
        .where(col(LessonVersion.version_id) == context.version_id)
    )
    if (done or 0) < context.lesson_count:
        return False
    marked = await db.execute(
        sa.update(CourseProgress)
        .where(
            col(CourseProgress.user_id) == user_id,
            col(CourseProgress.course_id) == context.course_id,
            col(CourseProgress.completed_at).is_(None),
        )
        .values(completed_at=now)
        .returning(col(CourseProgress.course_id))
    )
    return marked.first() is not None
