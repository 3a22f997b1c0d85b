"""The report card's lessons, resolved to the lessons of the published courses in the reader's
locale, with why each was picked. A lesson whose course is not published is left out."""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.contests.standings_schemas import ReportLessonOut
from courses.access import locale_in
from courses.models import Course, CourseVersion, Lesson, LessonContent, LessonVersion

WHY: dict[str, dict[str, str]] = {
    "concentrated": {
        "en": "One holding was more than half of your equity.",
        "zh-CN": "你有一只持仓超过了总资产的一半。",
    },
    "costly_trading": {
        "en": "You traded often and the fees added up.",
        "zh-CN": "你交易频繁，手续费累积起来不少。",
    },
    "bought_limit_up": {
        "en": "You bought at the limit-up price, chasing a rally.",
        "zh-CN": "你在涨停价买入，属于追涨。",
    },
    "deep_drawdown": {
        "en": "Your equity fell a long way from its peak.",
        "zh-CN": "你的资产从高点回撤很深。",
    },
    "next_step": {
        "en": "A good next step after a contest.",
        "zh-CN": "比赛之后值得学习的下一课。",
    },
}

_LOCALE = sa.bindparam("locale", type_=sa.String())
_LESSONS = (
    sa.select(col(Course.slug), col(Lesson.slug), col(Lesson.id), col(LessonContent.title))
    .select_from(Lesson)
    .join(Course, col(Course.id) == col(Lesson.course_id))
    .join(
        CourseVersion,
        sa.and_(
            col(CourseVersion.course_id) == col(Course.id),
            col(CourseVersion.status) == "published",
        ),
    )
    .join(
        LessonVersion,
        sa.and_(
            col(LessonVersion.version_id) == col(CourseVersion.id),
            col(LessonVersion.lesson_id) == col(Lesson.id),
        ),
    )
    .join(
        LessonContent,
        sa.and_(
            col(LessonContent.version_id) == col(CourseVersion.id),
            col(LessonContent.lesson_id) == col(Lesson.id),
            col(LessonContent.locale) == locale_in(col(CourseVersion.locales), _LOCALE),
        ),
    )
    .where(col(Course.slug).in_(sa.bindparam("courses", expanding=True)))
)


async def lessons_out(
    db: AsyncSession, picks: Sequence[dict[str, Any]], *, locale: str
) -> list[ReportLessonOut]:
    courses = sorted({pick["course_slug"] for pick in picks})
    if not courses:
        return []
    found: dict[tuple[str, str], tuple[uuid.UUID, str]] = {
        (course, lesson): (lesson_id, title)
        for course, lesson, lesson_id, title in await db.execute(
            _LESSONS, {"courses": courses, "locale": locale}
        )
    }
    shown = []
    for pick in picks:
        lesson = found.get((pick["course_slug"], pick["lesson_slug"]))
        if lesson is not None:
            why = WHY.get(pick["why"], WHY["next_step"])
            shown.append(
                ReportLessonOut(
                    lesson_id=lesson[0],
                    course_slug=pick["course_slug"],
                    title=lesson[1],
                    why=pick["why"],
                    why_text=why.get(locale, why["zh-CN"]),
                )
            )
    return shown
