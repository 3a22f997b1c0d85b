"""Locked courses as a learner reads them: the reason is a code (`locked_reason`), the
message is in the learner's locale and names missing courses by their titles."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

import core.messages as messages
from courses.catalogue import CourseSummary
from courses.gating import CourseLock
from courses.titles import Titles, course_titles


async def lock_messages(
    db: AsyncSession, courses: Sequence[CourseSummary], *, locale: str
) -> dict[str, str]:
    """Each locked course's message, by course slug (one title lookup for them all)."""
    locks = {course.slug: course.lock for course in courses if course.lock is not None}
    missing = {slug for lock in locks.values() for slug in lock.missing_prerequisites}
    titles = await course_titles(db, missing, locale=locale)
    return {slug: lock_message(lock, titles, locale=locale) for slug, lock in locks.items()}


def lock_message(lock: CourseLock, titles: Titles, *, locale: str) -> str:
    courses = messages.detail("list-joiner", locale).join(
        titles.course(slug) for slug in lock.missing_prerequisites
    )
    params = {
        "required_risk_profile": lock.required_risk_profile,
        "risk_profile": lock.risk_profile,
        "courses": courses,
    }
    return messages.detail(f"course-locked.{lock.code}", locale, params)
