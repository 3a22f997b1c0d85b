"""Course and lesson titles in a locale (or the original), by slug: what lock messages, reward
and activity lines and voucher requirements show instead of slugs. Titles come from each
course's published version; a course without one is named by its slug."""

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
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


_SLUGS = sa.bindparam("slugs", type_=sa.ARRAY(sa.String()))
_LOCALE = sa.bindparam("locale", type_=sa.String())
# Built once, with bound parameters: every reward line, activity line and lock message runs
# them.
_COURSE_TITLES = DriverRead(
    sa.select(col(Course.slug), col(CourseVersionText.title))
    .join(CourseVersion, _PUBLISHED)
    .join(
        CourseVersionText,
        sa.and_(
            col(CourseVersionText.version_id) == col(CourseVersion.id),
            col(CourseVersionText.locale) == locale_in(col(CourseVersion.locales), _LOCALE),
        ),
    )
    .where(col(Course.slug) == sa.any_(_SLUGS))
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
