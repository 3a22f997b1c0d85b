"""A course page as a learner sees it: the published version's texts and lessons in the
learner's locale (or the original), which lessons the learner completed, and the course's lock.

The version's part is the same for every learner and never changes (`published_content`): it
is kept in-process per course and locale, and the one statement a page costs reads only the
learner's progress while the live version is the one kept, the whole page again once another
version is live."""

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.driver_reads import DriverRead
from courses.access import completed_courses_among
from courses.catalogue import CourseSummary, course_summary, over_published_texts
from courses.errors import PublishedCourseNotFound
from courses.models import (
    Course,
    CourseVersion,
    CourseVersionText,
    Lesson,
    LessonContent,
    LessonProgress,
    LessonVersion,
)
from courses.published_content import PublishedContent
from courses.titles import Titles, course_titles_among

# Course pages kept per (course, requested locale): a few hundred bytes a lesson each.
MAX_KEPT_PAGES = 4096


@dataclass(frozen=True)
class LessonHeading:
    id: uuid.UUID
    slug: str
    title: str
    est_minutes: int
    open_to_all: bool  # readable even while the course is locked


@dataclass(frozen=True)
class CourseDetail:
    """The page: the published version's lessons in order (the same objects for every
    learner while the version is live) and which of them the learner completed."""

    course: CourseSummary
    locale: str
    version: int
    lessons: tuple[LessonHeading, ...]
    completed_lessons: set[uuid.UUID]
    prerequisite_titles: Titles  # what a lock message names the missing courses by


@dataclass(frozen=True)
class PageContent:
    """A published version's part of its course page, in one locale (the columns
    `course_summary` reads, by their names)."""

    slug: str
    number: int
    locale: str
    title: str
    summary: str
    level: str
    level_rank: int
    tags: list[str]
    min_risk_profile: str
    prerequisites: list[str]
    lesson_count: int
    lessons: tuple[LessonHeading, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "PageContent":
        lessons = tuple(
            LessonHeading(uuid.UUID(lesson_id), slug, title, minutes, open_to_all)
            for lesson_id, slug, title, minutes, open_to_all in data["lessons"] or ()
        )
        return cls(**(data | {"lessons": lessons}))


_KEPT: PublishedContent[tuple[str, str], PageContent] = PublishedContent(MAX_KEPT_PAGES)


async def course_detail(
    db: AsyncSession,
    slug: str,
    *,
    user_id: uuid.UUID | None,
    locale: str,
    risk_profile: str | None,
) -> CourseDetail:
    """The course page; PublishedCourseNotFound when the course has no published version."""
    kept = _KEPT.held((slug, locale))
    row = await _COURSE_PAGE.first(
        db,
        user_id=user_id,
        locale=locale,
        slug=slug,
        kept_version=kept.version_id if kept else None,
    )
    if row is None:
        raise PublishedCourseNotFound(slug=slug)
    if row.content is None:  # the version kept is the live one
        assert kept is not None
        content = kept.content
    else:
        content = PageContent.from_json(row.content)
        _KEPT.keep((slug, locale), row.version_id, content)
    completed = set(row.completed_lessons or ())
    return CourseDetail(
        course=course_summary(
            content,
            risk_profile=risk_profile,
            completed_courses=set(row.completed or ()),
            completed_lessons=None if user_id is None else len(completed),
        ),
        locale=content.locale,
        version=content.number,
        lessons=content.lessons,
        completed_lessons=completed,
        prerequisite_titles=Titles(courses=row.prerequisite_titles or {}),
    )


def _page_content() -> Any:
    """SQL: the version's part of the page as one JSON object (`PageContent`'s fields), its
    lessons in order as [id, slug, title, est_minutes, open_to_all]."""
    lesson = sa.func.json_build_array(
        col(LessonVersion.lesson_id),
        col(Lesson.slug),
        col(LessonContent.title),
        col(LessonVersion.est_minutes),
        col(LessonVersion.open_to_all),
    )
    lessons = (
        sa.select(sa.func.json_agg(aggregate_order_by(lesson, col(LessonVersion.position))))
        .select_from(LessonVersion)
        .join(Lesson, col(Lesson.id) == col(LessonVersion.lesson_id))
        .join(
            LessonContent,
            sa.and_(
                col(LessonContent.version_id) == col(LessonVersion.version_id),
                col(LessonContent.lesson_id) == col(LessonVersion.lesson_id),
                col(LessonContent.locale) == col(CourseVersionText.locale),
            ),
        )
        .where(col(LessonVersion.version_id) == col(CourseVersion.id))
        .scalar_subquery()
    )
    fields = {
        "slug": col(Course.slug),
        "number": col(CourseVersion.number),
        "locale": col(CourseVersionText.locale),
        "title": col(CourseVersionText.title),
        "summary": col(CourseVersionText.summary),
        "level": col(CourseVersion.level),
        "level_rank": col(CourseVersion.level_rank),
        "tags": col(CourseVersion.tags),
        "min_risk_profile": col(CourseVersion.min_risk_profile),
        "prerequisites": col(CourseVersion.prerequisites),
        "lesson_count": col(CourseVersion.lesson_count),
        "lessons": lessons,
    }
    pairs = [part for name, value in fields.items() for part in (sa.literal(name), value)]
    return sa.func.json_build_object(*pairs, type_=sa.JSON)


def _course_page() -> DriverRead:
    """The course's live version; its content (`_page_content`) unless it is `:kept_version`
    (PostgreSQL evaluates a CASE's branches only when taken, so the lessons are not read
    then); the lessons `:user_id` completed in it, the prerequisites they completed, and the
    prerequisites' titles in `:locale` (for the lock message: no second round trip)."""
    user_id = sa.bindparam("user_id", type_=sa.Uuid())
    locale = sa.bindparam("locale", type_=sa.String())
    completed_lessons = (
        sa.select(sa.func.array_agg(col(LessonVersion.lesson_id)))
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
    kept = col(CourseVersion.id) == sa.bindparam("kept_version", type_=sa.Uuid())
    return DriverRead(
        over_published_texts(
            sa.select(
                col(CourseVersion.id).label("version_id"),
                sa.case((kept, sa.null()), else_=_page_content()).label("content"),
                completed_lessons.label("completed_lessons"),
                completed_courses_among(user_id, col(CourseVersion.prerequisites)).label(
                    "completed"
                ),
                course_titles_among(col(CourseVersion.prerequisites), locale).label(
                    "prerequisite_titles"
                ),
            )
        ).where(col(Course.slug) == sa.bindparam("slug", type_=sa.String()))
    )


# One statement a page, compiled once and sent straight to the driver (`core.driver_reads`).
_COURSE_PAGE = _course_page()
