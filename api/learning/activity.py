"""A learner's recent activity as they read it: courses and lessons by their titles."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from api.learning.schemas import ActivityOut
from courses.progress import Activity
from courses.titles import course_titles


async def activity_out(
    db: AsyncSession, activity: Sequence[Activity], *, locale: str
) -> list[ActivityOut]:
    slugs = {item.course_slug for item in activity}
    titles = await course_titles(db, slugs, locale=locale, with_lessons=True)
    return [
        ActivityOut(
            kind=item.kind,
            course_slug=item.course_slug,
            course_title=titles.course(item.course_slug),
            lesson_id=item.lesson_id,
            lesson_slug=item.lesson_slug,
            lesson_title=titles.lesson(item.course_slug, item.lesson_slug),
            at=item.at,
            score=item.score,
            max_score=item.max_score,
            passed=item.passed,
        )
        for item in activity
    ]
