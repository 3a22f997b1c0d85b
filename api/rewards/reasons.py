"""The human sentence for a ledger transaction's reason, in the caller's locale (zh-CN, en).

Transactions store a reason as data (`{"code": "lesson_completed", "course": ...}`), never as
text, so the same entry reads right in either language and the wording can change later.
Courses and lessons are named by their titles in the reader's locale, not by their slugs.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from courses.titles import Titles, course_titles

_BY_CODE: dict[str, dict[str, str]] = {
    "lesson_completed": {
        "en": "Completed the lesson {lesson} ({course})",
        "zh-CN": "完成课时 {lesson}（{course}）",
    },
    "quiz_passed": {"en": "Passed a quiz in {course}", "zh-CN": "通过 {course} 的测验"},
    "quiz_perfect": {
        "en": "Perfect score on a quiz in {course}",
        "zh-CN": "{course} 的测验全部答对",
    },
    "course_completed": {"en": "Completed the course {course}", "zh-CN": "完成课程 {course}"},
    "streak": {"en": "{days}-day learning streak", "zh-CN": "连续学习 {days} 天"},
    "contest_placement": {
        "en": "Placed in a paper-trading contest",
        "zh-CN": "模拟交易比赛获得名次",
    },
    "contest_prize": {
        "en": "Prize for rank {rank} in a paper-trading contest",
        "zh-CN": "模拟交易比赛第 {rank} 名奖励",
    },
    "contest_joined": {"en": "Joined a paper-trading contest", "zh-CN": "参加模拟交易比赛"},
    "contest_finished": {
        "en": "Finished a paper-trading contest",
        "zh-CN": "完成模拟交易比赛",
    },
    "contest_report_card_opened": {
        "en": "Read your contest report card",
        "zh-CN": "查看比赛成绩单",
    },
    "quest_completed": {"en": "Quest completed: {title_en}", "zh-CN": "完成任务：{title}"},
    "league_prize": {
        "en": "League prize for rank {rank} in the week of {week}",
        "zh-CN": "{week} 当周联赛第 {rank} 名奖励",
    },
    "streak_repair": {"en": "Repaired a {days}-day streak", "zh-CN": "修复 {days} 天的连续学习"},
    "post_published": {"en": "Community post published", "zh-CN": "社区帖子发布"},
    "campaign_grant": {"en": "{reason_en}", "zh-CN": "{reason_zh}"},  # the marketer's words
    "adjustment": {"en": "Adjusted by InvestQuest support", "zh-CN": "InvestQuest 客服调整"},
    "voucher_redeemed": {"en": "Redeemed a voucher: {title_en}", "zh-CN": "兑换优惠券：{title}"},
    "voucher_revoked": {
        "en": "Points returned for a revoked voucher",
        "zh-CN": "优惠券被撤销，积分已退回",
    },
    "points-expired": {
        "en": "Points earned on {earned_on} expired",
        "zh-CN": "{earned_on} 获得的积分已过期",
    },
}

_BY_KIND: dict[str, dict[str, str]] = {
    "earn": {"en": "Points earned", "zh-CN": "获得积分"},
    "spend": {"en": "Points spent", "zh-CN": "使用积分"},
    "refund": {"en": "Points refunded", "zh-CN": "积分退回"},
    "adjust": _BY_CODE["adjustment"],
    "expire": {"en": "Points expired", "zh-CN": "积分过期"},
    "reverse": {"en": "Correction of an earlier entry", "zh-CN": "更正此前的记录"},
}

_CAPPED = {"en": " (reduced by the daily points cap)", "zh-CN": "（受每日积分上限限制）"}
_UNKNOWN = {"en": "Points changed", "zh-CN": "积分变动"}


async def reason_titles(
    db: AsyncSession, reasons: Iterable[dict[str, Any]], *, locale: str
) -> Titles:
    """The titles of the courses the reasons name, and of their lessons when a reason names a
    lesson (a quiz's does not: one lookup less on every quiz attempt)."""
    named = [reason for reason in reasons if reason.get("course")]
    slugs = {str(reason["course"]) for reason in named}
    lessons = any(reason.get("lesson") for reason in named)
    return await course_titles(db, slugs, locale=locale, with_lessons=lessons)


def reason_text(reason: dict[str, Any], *, kind: str, locale: str, titles: Titles) -> str:
    """A sentence for the reason; falls back to the transaction kind for codes it does not
    know (other domains add theirs here)."""
    locale = locale if locale in _UNKNOWN else "zh-CN"
    code = str(reason.get("code", ""))
    values = _values(reason, titles)
    template = _BY_CODE.get("streak" if code.startswith("streak_") else code)
    if template is None:
        template = _BY_KIND.get(kind, _UNKNOWN)
    try:
        text = template[locale].format(**values)
    except (KeyError, IndexError, ValueError):
        text = _BY_KIND.get(kind, _UNKNOWN)[locale]
    if reason.get("capped_from") is not None:
        text += _CAPPED[locale]
    return text


def _values(reason: dict[str, Any], titles: Titles) -> dict[str, str]:
    values = {key: str(value) for key, value in reason.items()}
    if "course" in reason:
        values["course"] = titles.course(values["course"])
        if "lesson" in reason:
            values["lesson"] = titles.lesson(str(reason["course"]), values["lesson"])
    earned_at = str(reason.get("earned_at", ""))
    values["earned_on"] = earned_at[:10]  # the ISO date of the lot
    values.setdefault("title_en", values.get("title", ""))  # voucher titles may be zh-CN only
    return values
