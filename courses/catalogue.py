"""The catalogue as a learner sees it: published versions only, in the learner's locale (or
the original), with their progress and whether the course is locked (a course's own page:
`courses.course_page`).

Without a learner (a visitor who has not signed up) there is no progress (None), no lesson is
completed, and locks are those of a new learner: no risk profile, no course completed."""

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.driver_reads import DriverRead
from courses.access import completed_courses_among, locale_in
from courses.gating import CourseLock, course_lock
from courses.models import (
    Course,
    CourseProgress,
    CourseVersion,
    CourseVersionText,
    LessonProgress,
    LessonVersion,
)


@dataclass(frozen=True)
class Progress:
    completed: int
    total: int


@dataclass(frozen=True)
class CourseSummary:
    slug: str
    title: str
    summary: str
    level: str
    level_rank: int  # the catalogue's order: easiest level first, then by slug
    tags: list[str]
    min_risk_profile: str
    prerequisites: list[str]
    lesson_count: int
    progress: Progress | None  # None for a visitor
    lock: CourseLock | None


def over_published_texts(query: Any) -> Any:
    """`query` over every course's published version and that version's text in `:locale`
    (or the original)."""
    locale = sa.bindparam("locale", type_=sa.String())
    return (
        query.select_from(Course)
        .join(
            CourseVersion,
            sa.and_(
                col(CourseVersion.course_id) == col(Course.id),
                col(CourseVersion.status) == "published",
            ),
        )
        .join(
            CourseVersionText,
            sa.and_(
                col(CourseVersionText.version_id) == col(CourseVersion.id),
                col(CourseVersionText.locale) == locale_in(col(CourseVersion.locales), locale),
            ),
        )
    )


def _published_courses() -> Any:
    """Published courses with their text in `:locale` (or the original) and how many of
    their lessons `:user_id` completed. Built once, run with bound parameters."""
    user_id = sa.bindparam("user_id", type_=sa.Uuid())
    completed_lessons = (
        sa.select(sa.func.count())
        .select_from(LessonVersion)
        .join(
            LessonProgress,
            sa.and_(
                col(LessonProgress.user_id) == user_id,
                col(LessonProgress.lesson_id) == col(LessonVersion.lesson_id),
                col(LessonProgress.completed_at).is_not(None),
            ),
        )
        .where(col(LessonVersion.version_id) == col(CourseVersion.id))
        .scalar_subquery()
    )
    return over_published_texts(
        sa.select(
            col(Course.slug),
            col(CourseVersionText.title),
            col(CourseVersionText.summary),
            col(CourseVersionText.locale),
            col(CourseVersion.id).label("version_id"),
            col(CourseVersion.number),
            col(CourseVersion.level),
            col(CourseVersion.level_rank),
            col(CourseVersion.tags),
            col(CourseVersion.min_risk_profile),
            col(CourseVersion.prerequisites),
            col(CourseVersion.lesson_count),
            completed_lessons.label("completed_lessons"),
        )
    )


def course_summary(
    row: Any,
    *,
    risk_profile: str | None,
    completed_courses: set[str],
    completed_lessons: int | None,
) -> CourseSummary:
    """A course as the catalogue shows it, from anything with its columns' names (a row);
    `completed_lessons` is None for a visitor (no progress)."""
    return CourseSummary(
        slug=row.slug,
        title=row.title,
        summary=row.summary,
        level=row.level,
        level_rank=row.level_rank,
        tags=list(row.tags),
        min_risk_profile=row.min_risk_profile,
        prerequisites=list(row.prerequisites),
        lesson_count=row.lesson_count,
        progress=None
        if completed_lessons is None
        else Progress(completed_lessons, row.lesson_count),
        lock=course_lock(
            min_risk_profile=row.min_risk_profile,
            prerequisites=row.prerequisites,
            risk_profile=risk_profile,
            completed_courses=completed_courses,
        ),
    )


# Sent straight to the driver: driver-only routes (a redemption) ask it too.
_COMPLETED_COURSE_SLUGS = DriverRead(
    sa.select(col(Course.slug))
    .join(CourseProgress, col(CourseProgress.course_id) == col(Course.id))
    .where(
        col(CourseProgress.user_id) == sa.bindparam("user_id", type_=sa.Uuid()),
        col(CourseProgress.completed_at).is_not(None),
    )
)


async def completed_course_slugs(db: AsyncSession, user_id: uuid.UUID) -> set[str]:
    return {row[0] for row in await _COMPLETED_COURSE_SLUGS.all(db, user_id=user_id)}


async def list_courses(
    db: AsyncSession,
    *,
    user_id: uuid.UUID | None,
    locale: str,
    risk_profile: str | None,
    limit: int,
    after: tuple[int, str] | None = None,
) -> list[CourseSummary]:
    """Up to `limit` published courses after the key `(level_rank, slug)`, easiest first, in
    one statement (each course with the prerequisites the caller has completed)."""
    params: dict[str, object] = {"user_id": user_id, "locale": locale, "limit": limit}
    if after is None:
        rows = await _COURSES.all(db, **params)
    else:
        rows = await _COURSES_AFTER.all(db, after_rank=after[0], after_slug=after[1], **params)
    return [
        course_summary(
            row,
            risk_profile=risk_profile,
            completed_courses=set(row.completed or ()),
            completed_lessons=None if user_id is None else row.completed_lessons,
        )
        for row in rows
    ]


PUBLISHED_COURSES = _published_courses()


def _course_list(*, after: bool) -> DriverRead:
    """A page of the catalogue, sent straight to the driver: from the start, or `after` the
    key (`:after_rank`, `:after_slug`)."""
    query = PUBLISHED_COURSES.add_columns(
        completed_courses_among(
            sa.bindparam("user_id", type_=sa.Uuid()), col(CourseVersion.prerequisites)
        ).label("completed")
    )
    if after:
        query = query.where(
            sa.tuple_(col(CourseVersion.level_rank), col(Course.slug))
            > sa.tuple_(
                sa.bindparam("after_rank", type_=sa.Integer()),
                sa.bindparam("after_slug", type_=sa.String()),
            )
        )
    return DriverRead(
        query.order_by(col(CourseVersion.level_rank), col(Course.slug)).limit(
            sa.bindparam("limit", type_=sa.Integer())
        )
    )


_COURSES = _course_list(after=False)
_COURSES_AFTER = _course_list(after=True)
