"""Course and lesson titles in a locale (or the original), by slug: what lock messages, reward
and activity lines and voucher requirements show instead of slugs. Titles come from each
course's published version; a course without one is named by its slug."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.driver_reads import DriverRead
from courses.access import locale_in
from courses.models import Course, CourseVersion, CourseVersionText, Lesson, LessonContent


@dataclass(frozen=True)
class Titles:
    courses: dict[str, str] = field(default_factory=dict)  # course slug -> title
    lessons: dict[tuple[str, str], str] = field(default_factory=dict)  # (course, lesson slug)

    def course(self, slug: str) -> str:
        return self.courses.get(slug, slug)

    def lesson(self, course_slug: str, lesson_slug: str) -> str:
        return self.lessons.get((course_slug, lesson_slug), lesson_slug)


_PUBLISHED = sa.and_(
    col(CourseVersion.course_id) == col(Course.id), col(CourseVersion.status) == "published"
)


def _titled_courses(slugs: Any, locale: Any, columns: Callable[[Any, Any], Sequence[Any]]) -> Any:
    """SQL: `columns(course, text)` over the courses named in `slugs` (an array) and their
    published version's text in `locale` (or the original). On aliases of its own, so it can
    sit inside a statement over the same tables."""
    course, version, text = aliased(Course), aliased(CourseVersion), aliased(CourseVersionText)
    return (
        sa.select(*columns(course, text))
        .select_from(course)
        .join(
            version,
            sa.and_(col(version.course_id) == col(course.id), col(version.status) == "published"),
        )
        .join(
            text,
            sa.and_(
                col(text.version_id) == col(version.id),
                col(text.locale) == locale_in(col(version.locales), locale),
            ),
        )
        .where(col(course.slug) == sa.any_(slugs))
    )


def course_titles_among(slugs: Any, locale: Any) -> Any:
    """SQL: the titles of the courses in `slugs` (an array expression) in `locale`, as one JSON
    object (slug -> title); NULL when `slugs` names none. For a statement that needs a few
    titles beside its own row (a course page's lock message), without a second round trip."""
    titles = _titled_courses(
        slugs, locale, lambda course, text: [sa.func.json_object_agg(course.slug, text.title)]
    ).scalar_subquery()
    return sa.case((sa.func.cardinality(slugs) == 0, None), else_=titles)


_SLUGS = sa.bindparam("slugs", type_=sa.ARRAY(sa.String()))
_LOCALE = sa.bindparam("locale", type_=sa.String())
# Built once, with bound parameters: every reward line, activity line and lock message runs
# them.
_COURSE_TITLES = DriverRead(
    _titled_courses(_SLUGS, _LOCALE, lambda course, text: [course.slug, text.title])
)
_LESSON_TITLES = DriverRead(
    sa.select(col(Course.slug), col(Lesson.slug), col(LessonContent.title))
    .select_from(Lesson)
    .join(Course, col(Course.id) == col(Lesson.course_id))
    .join(CourseVersion, _PUBLISHED)
    .join(
        LessonContent,
        sa.and_(
            col(LessonContent.version_id) == col(CourseVersion.id),
            col(LessonContent.lesson_id) == col(Lesson.id),
            col(LessonContent.locale) == locale_in(col(CourseVersion.locales), _LOCALE),
        ),
    )
    .where(col(Course.slug) == sa.any_(_SLUGS))
)


async def course_titles(
    db: AsyncSession, slugs: Iterable[str], *, locale: str, with_lessons: bool = False
) -> Titles:
    """The titles of these courses (and, `with_lessons`, of all their lessons) in `locale`."""
    wanted = sorted(set(slugs))
    if not wanted:
        return Titles()
    params = {"slugs": wanted, "locale": locale}
    courses = await _COURSE_TITLES.all(db, **params)
    titles = Titles(courses={row[0]: row[1] for row in courses})
    if with_lessons:
        lessons = await _LESSON_TITLES.all(db, **params)
        titles.lessons.update({(row[0], row[1]): row[2] for row in lessons})
    return titles
