"""Importing validated bundles as course versions, publishing and unpublishing them.

Importing a bundle whose content hash equals the course's latest version changes nothing;
any other content becomes a new draft version. Publishing a version (the latest draft, or any
earlier version to roll back) makes it the one learners see; the version live or unpublished
before it, and drafts older than it, are archived, while newer drafts stay pending.
Unpublishing takes the course away from learners (their progress is kept) until a version is
published again.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from courses.bundle import LEVELS
from courses.bundle import Lesson as BundleLesson
from courses.errors import (
    CourseNotFound,
    CourseNotPublished,
    CourseVersionNotFound,
    NoDraftVersion,
    VersionAlreadyPublished,
)
from courses.grading import answer_key_of
from courses.models import (
    Course,
    CourseVersion,
    CourseVersionText,
    Lesson,
    LessonContent,
    LessonVersion,
)
from courses.text import clean_text
from courses.validation import CourseBundle


@dataclass(frozen=True)
class ImportResult:
    slug: str
    version: int
    status: str
    lessons: int
    questions: int
    created: bool  # False: the content equals the latest version, nothing changed


@dataclass(frozen=True)
class PublishResult:
    slug: str
    version: int
    status: str
    archived_versions: list[int]


async def import_course(
    db: AsyncSession, bundle: CourseBundle, *, now: datetime, imported_by: uuid.UUID | None
) -> ImportResult:
    course_id = await _lock_course(db, bundle.slug, now=now, create=True)
    latest = (
        await db.execute(
            sa.select(
                col(CourseVersion.number),
                col(CourseVersion.status),
                col(CourseVersion.content_hash),
            )
            .where(col(CourseVersion.course_id) == course_id)
            .order_by(col(CourseVersion.number).desc())
            .limit(1)
        )
    ).first()
    original = bundle.original
    lessons, questions = len(original.lessons), bundle.question_count
    if latest is not None and latest.content_hash == bundle.content_hash:
        return ImportResult(bundle.slug, latest.number, latest.status, lessons, questions, False)
    number = (latest.number if latest else 0) + 1
    version_id = new_id()
    db.add(
        CourseVersion(
            id=version_id,
            course_id=course_id,
            number=number,
            status="draft",
            content_hash=bundle.content_hash,
            level=original.level,
            level_rank=LEVELS.index(original.level),
            min_risk_profile=original.min_risk_profile,
            tags=list(original.tags),
            prerequisites=list(original.prerequisites),
            locales=list(bundle.locales),
            lesson_count=lessons,
            question_count=questions,
            imported_by=imported_by,
            created_at=now,
        )
    )
    await db.flush()
    await _insert_content(db, bundle, course_id=course_id, version_id=version_id, now=now)
    return ImportResult(bundle.slug, number, "draft", lessons, questions, True)


async def _insert_content(
    db: AsyncSession,
    bundle: CourseBundle,
    *,
    course_id: uuid.UUID,
    version_id: uuid.UUID,
    now: datetime,
) -> None:
    lesson_ids = await _lesson_ids(
        db, course_id, [lesson.slug for lesson in bundle.original.lessons], now=now
    )
    await db.execute(
        insert(CourseVersionText),
        [
            {
                "version_id": version_id,
                "locale": locale,
                "title": clean_text(doc.title),
                "summary": clean_text(doc.summary),
            }
            for locale, doc in bundle.locales.items()
        ],
    )
    await db.execute(
        insert(LessonVersion),
        [
            {
                "version_id": version_id,
                "lesson_id": lesson_ids[lesson.slug],
                "position": position,
                "est_minutes": lesson.est_minutes,
                "open_to_all": lesson.open_to_all,
                "answer_key": answer_key_of(
                    lesson.quiz.pass_score, lesson.quiz.questions
                ).to_json(),
            }
            for position, lesson in enumerate(bundle.original.lessons)
        ],
    )
    await db.execute(
        insert(LessonContent),
        [
            {"version_id": version_id, "lesson_id": lesson_ids[lesson.slug], "locale": locale}
            | _lesson_text(lesson)
            for locale, doc in bundle.locales.items()
            for lesson in doc.lessons
        ],
    )


async def _lesson_ids(
    db: AsyncSession, course_id: uuid.UUID, slugs: list[str], *, now: datetime
) -> dict[str, uuid.UUID]:
    """The stable lesson identities for these slugs, created for slugs new to the course."""
    await db.execute(
        insert(Lesson)
        .values(
            [
                {"id": new_id(), "course_id": course_id, "slug": slug, "created_at": now}
                for slug in slugs
            ]
        )
        .on_conflict_do_nothing(index_elements=["course_id", "slug"])
    )
    rows = await db.execute(
        sa.select(col(Lesson.slug), col(Lesson.id)).where(
            col(Lesson.course_id) == course_id, col(Lesson.slug).in_(slugs)
        )
    )
    return {row[0]: row[1] for row in rows}


def _lesson_text(lesson: BundleLesson) -> dict[str, Any]:
    return {
        "title": clean_text(lesson.title),
        "cards": [{"kind": card.kind, "body": clean_text(card.body)} for card in lesson.cards],
        "questions": [
            {
                "id": q.id,
                "kind": q.kind,
                "prompt": clean_text(q.prompt),
                "choices": [{"id": c.id, "text": clean_text(c.text)} for c in q.choices],
            }
            for q in lesson.quiz.questions
        ],
        "explanations": {q.id: clean_text(q.explanation) for q in lesson.quiz.questions},
    }


async def publish_course(db: AsyncSession, slug: str, *, now: datetime) -> PublishResult:
    """Publish the latest draft."""
    course_id = await _lock_course(db, slug, now=now, create=False)
    draft = (
        await db.execute(
            sa.select(col(CourseVersion.id), col(CourseVersion.number))
            .where(col(CourseVersion.course_id) == course_id, col(CourseVersion.status) == "draft")
            .order_by(col(CourseVersion.number).desc())
            .limit(1)
        )
    ).first()
    if draft is None:
        raise NoDraftVersion(slug=slug)
    return await _make_live(db, slug, course_id, draft.id, draft.number, now=now)


async def publish_version(
    db: AsyncSession, slug: str, number: int, *, now: datetime
) -> PublishResult:
    """Publish version `number` of the course: a draft, or an earlier version to roll back to."""
    course_id = await _lock_course(db, slug, now=now, create=False)
    version = (
        await db.execute(
            sa.select(col(CourseVersion.id), col(CourseVersion.status)).where(
                col(CourseVersion.course_id) == course_id, col(CourseVersion.number) == number
            )
        )
    ).first()
    if version is None:
        raise CourseVersionNotFound(slug=slug, number=number)
    if version.status == "published":
        raise VersionAlreadyPublished(slug=slug, number=number)
    return await _make_live(db, slug, course_id, version.id, number, now=now)


async def _make_live(
    db: AsyncSession,
    slug: str,
    course_id: uuid.UUID,
    version_id: uuid.UUID,
    number: int,
    *,
    now: datetime,
) -> PublishResult:
    archived = await db.execute(
        sa.update(CourseVersion)
        .where(
            col(CourseVersion.course_id) == course_id,
            col(CourseVersion.id) != version_id,
            sa.or_(
                col(CourseVersion.status).in_(("published", "unpublished")),
                sa.and_(col(CourseVersion.status) == "draft", col(CourseVersion.number) < number),
            ),
        )
        .values(status="archived")
        .returning(col(CourseVersion.number))
    )
    archived_numbers = sorted(archived.scalars())
    await db.execute(
        sa.update(CourseVersion)
        .where(col(CourseVersion.id) == version_id)
        .values(status="published", published_at=now)
    )
    return PublishResult(slug, number, "published", archived_numbers)


async def unpublish_course(db: AsyncSession, slug: str, *, now: datetime) -> int:
    """Take the course away from learners; the number of the version that was live."""
    course_id = await _lock_course(db, slug, now=now, create=False)
    number: int | None = await db.scalar(
        sa.update(CourseVersion)
        .where(col(CourseVersion.course_id) == course_id, col(CourseVersion.status) == "published")
        .values(status="unpublished")
        .returning(col(CourseVersion.number))
    )
    if number is None:
        raise CourseNotPublished(slug=slug)
    return number


async def _lock_course(db: AsyncSession, slug: str, *, now: datetime, create: bool) -> uuid.UUID:
    """The course's id, its row locked so imports and publishes of one course take turns."""
    if create:
        await db.execute(
            insert(Course)
            .values(id=new_id(), slug=slug, created_at=now)
            .on_conflict_do_nothing(index_elements=["slug"])
        )
    course_id = await db.scalar(
        sa.select(col(Course.id)).where(col(Course.slug) == slug).with_for_update()
    )
    if course_id is None:
        raise CourseNotFound(slug=slug)
    return course_id


async def any_course_exists(db: AsyncSession) -> bool:
    return bool(await db.scalar(sa.select(sa.exists(sa.select(col(Course.id))))))


async def existing_course_slugs(db: AsyncSession) -> set[str]:
    return set((await db.scalars(sa.select(col(Course.slug)))).all())


async def import_courses(
    db: AsyncSession,
    bundles: list[CourseBundle],
    *,
    now: datetime,
    publish: bool,
    imported_by: uuid.UUID | None = None,
) -> AsyncIterator[tuple[ImportResult, PublishResult | None]]:
    """Import several courses in the caller's transaction, yielding after each (for progress
    bars); with `publish`, each course's new draft is published too."""
    for bundle in bundles:
        result = await import_course(db, bundle, now=now, imported_by=imported_by)
        published = None
        if publish and result.status == "draft":
            published = await publish_course(db, bundle.slug, now=now)
        yield result, published
