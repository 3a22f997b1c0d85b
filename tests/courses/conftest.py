"""Small course bundles made in code, and loading them straight into the database."""

import copy
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from core.clock import FrozenClock
from courses.importing import import_course, publish_course
from courses.models import Course, Lesson
from courses.quiz_balance import MULTIPLE_LABEL
from courses.sources import bundle_source
from courses.validation import validate_course

LOCALE_MARK = {"zh-CN": "中文", "en": "English"}


def lesson_doc(i: int, locale: str, *, est_minutes: int = 2) -> dict[str, Any]:
    mark = LOCALE_MARK[locale]
    return {
        "slug": f"lesson-{i}",
        "title": f"{mark} lesson {i}",
        "est_minutes": est_minutes,
        "cards": [
            {"kind": "text", "body": f"{mark} teaching {i}"},
            {"kind": "disclaimer", "body": f"{mark} investing involves risk"},
            {"kind": "takeaway", "body": f"{mark} takeaway {i}"},
        ],
        "quiz": {
            "pass_score": 60,
            "questions": [
                {
                    "id": f"q{i}-single",
                    "kind": "single",
                    "prompt": f"{mark} single {i}?",
                    "choices": [
                        {"id": "a", "text": f"{mark} right", "correct": True},
                        {"id": "b", "text": f"{mark} tempting", "correct": False},
                        {"id": "c", "text": f"{mark} wrong", "correct": False},
                    ],
                    "explanation": f"{mark} because single {i}",
                },
                {
                    "id": f"q{i}-multiple",
                    "kind": "multiple",
                    "prompt": f"{mark} multiple {i}? {MULTIPLE_LABEL[locale]}",
                    "choices": [
                        {"id": "a", "text": f"{mark} yes", "correct": True},
                        {"id": "b", "text": f"{mark} also yes", "correct": True},
                        {"id": "c", "text": f"{mark} no", "correct": False},
                    ],
                    "explanation": f"{mark} because multiple {i}",
                },
                {
                    "id": f"q{i}-tf",
                    "kind": "true_false",
                    "prompt": f"{mark} true or false {i}?",
                    "choices": [
                        {"id": "true", "text": f"{mark} true", "correct": True},
                        {"id": "false", "text": f"{mark} false", "correct": False},
                    ],
                    "explanation": f"{mark} because tf {i}",
                },
            ],
        },
    }


def locale_doc(
    slug: str,
    locale: str,
    *,
    lessons: int = 2,
    min_risk_profile: str = "C1",
    prerequisites: Sequence[str] = (),
    level: str = "beginner",
) -> dict[str, Any]:
    mark = LOCALE_MARK[locale]
    return {
        "format": 1,
        "slug": slug,
        "locale": locale,
        "title": f"{mark} course {slug}",
        "summary": f"{mark} summary of {slug}",
        "level": level,
        "tags": ["test"],
        "min_risk_profile": min_risk_profile,
        "prerequisites": list(prerequisites),
        "lessons": [lesson_doc(i, locale) for i in range(lessons)],
    }


def bundle_doc(slug: str = "test-course", **options: Any) -> dict[str, Any]:
    """An HTTP bundle: one course, both locales."""
    return {
        "slug": slug,
        "locales": {locale: locale_doc(slug, locale, **options) for locale in ("zh-CN", "en")},
    }


def each_locale(bundle: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    changed = copy.deepcopy(bundle)
    for document in changed["locales"].values():
        change(document)
    return changed


RIGHT_ANSWERS = {"q{i}-single": ["a"], "q{i}-multiple": ["a", "b"], "q{i}-tf": ["true"]}


def answers_for(i: int, *, wrong: Sequence[str] = ()) -> dict[str, list[str]]:
    """Right answers to lesson i's quiz, except the question kinds in `wrong`."""
    answers = {key.format(i=i): value for key, value in RIGHT_ANSWERS.items()}
    for kind in wrong:
        answers[f"q{i}-{kind}"] = {"single": ["b"], "multiple": ["a"], "tf": ["false"]}[kind]
    return answers


Publish = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def publish(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Publish:
    """`await publish(bundle_doc(...))`: import and publish a bundle; lesson ids by slug."""
    return publisher(sessionmaker, clock)


def publisher(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Publish:
    async def run(document: dict[str, Any], *, draft_only: bool = False) -> dict[str, Any]:
        bundle, problems = validate_course(bundle_source(document))
        assert not problems, [str(p) for p in problems]
        assert bundle is not None
        async with sessionmaker.begin() as db:
            await import_course(db, bundle, now=clock.now(), imported_by=None)
            if not draft_only:
                await publish_course(db, bundle.slug, now=clock.now())
            rows = await db.execute(
                sa.select(col(Lesson.slug), col(Lesson.id))
                .join(Course, col(Course.id) == col(Lesson.course_id))
                .where(col(Course.slug) == bundle.slug)
            )
            return {row[0]: row[1] for row in rows}

    return run


async def read_lesson(
    client: AsyncClient, lesson_id: object, headers: dict[str, str], clock: FrozenClock
) -> dict[str, Any]:
    """Open a lesson and let enough time pass to complete it."""
    response = await client.get(f"/v1/lessons/{lesson_id}", headers=headers)
    assert response.status_code == 200, response.text
    clock.advance(timedelta(minutes=5))
    body: dict[str, Any] = response.json()
    return body
