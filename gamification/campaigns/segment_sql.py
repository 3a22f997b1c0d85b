"""A parsed segment filter compiled to one SQL query over the users: no per-user Python.

Every condition is a predicate on the `user_account` row (`U`). Facts with at most one row per
user (the streak, the points and XP accounts, the count of passed quizzes) are LEFT JOINed once,
only when the filter reads them, so a million users are one hash join rather than a million
lookups; membership facts (a course completed, a voucher held, a contest joined) are EXISTS.
Deleted accounts are never in a segment. Tables of other domains are named here as lightweight Core
tables: the campaigns domain reads them and never writes them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from gamification.campaigns.filters import AllOf, AnyOf, Condition, Filter, Not
from gamification.rewards.levels import xp_for_level

U = sa.table(
    "user_account",
    *(sa.column(name) for name in ("id", "display_name", "locale", "risk_profile")),
    sa.column("timezone"),
    sa.column("birthday", sa.Date),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("deleted_at", sa.DateTime(timezone=True)),
    sa.column("broker_account_opened_at", sa.DateTime(timezone=True)),
)
STREAK = sa.table("reward_streak", sa.column("user_id"), sa.column("last_active_on", sa.Date))
COURSE = sa.table("course_course", sa.column("id"), sa.column("slug"))
PROGRESS = sa.table(
    "course_progress", sa.column("user_id"), sa.column("course_id"), sa.column("completed_at")
)
LESSON_PROGRESS = sa.table(
    "course_lesson_progress", sa.column("user_id"), sa.column("quiz_passed_attempt_id")
)
ACCOUNT = sa.table(
    "ledger_account",
    sa.column("user_id"),
    sa.column("currency"),
    sa.column("balance", sa.BigInteger),
)
VOUCHER = sa.table(
    "voucher",
    sa.column("user_id"),
    sa.column("product_id"),
    sa.column("status"),
    sa.column("expires_at", sa.DateTime(timezone=True)),
)
ENTRY = sa.table("contest_entry", sa.column("user_id"), sa.column("contest_id"))


@dataclass(frozen=True)
class SegmentContext:
    """What a condition is measured against: the moment, and the zone of the business (dates
    in `registered_at` and "today" for learners' activity days)."""

    now: datetime
    business_zone: ZoneInfo

    @property
    def today(self) -> date:
        return self.now.astimezone(self.business_zone).date()

    def day_start(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.business_zone)


POINTS = ACCOUNT.alias("points_account")
XP = ACCOUNT.alias("xp_account")
PASSED = (
    sa.select(LESSON_PROGRESS.c.user_id, sa.func.count().label("passed"))
    .where(LESSON_PROGRESS.c.quiz_passed_attempt_id.is_not(None))
    .group_by(LESSON_PROGRESS.c.user_id)
    .subquery("quizzes")
)
# The one-row-per-user facts each field reads, joined when a condition names the field.
_JOINS: dict[str, tuple[Any, Any]] = {
    "streak": (STREAK, STREAK.c.user_id == U.c.id),
    "points": (POINTS, sa.and_(POINTS.c.user_id == U.c.id, POINTS.c.currency == "points")),
    "xp": (XP, sa.and_(XP.c.user_id == U.c.id, XP.c.currency == "xp")),
    "quizzes": (PASSED, PASSED.c.user_id == U.c.id),
}
_FIELD_JOINS = {
    "inactive_days": "streak",
    "active_days": "streak",
    "points_balance": "points",
    "level": "xp",
    "quizzes_passed": "quizzes",
}


def _fields(tree: Filter) -> set[str]:
    match tree:
        case AllOf(parts) | AnyOf(parts):
            return set().union(*(_fields(part) for part in parts))
        case Not(part):
            return _fields(part)
        case Condition():
            return {tree.field}
    return set()


def segment_select(tree: Filter, ctx: SegmentContext, *columns: Any) -> sa.Select[Any]:
    """SELECT `columns` of the live users in the segment: one query, whatever the filter."""
    source: Any = U
    for name in sorted({_FIELD_JOINS[f] for f in _fields(tree) if f in _FIELD_JOINS}):
        table, on = _JOINS[name]
        source = source.outerjoin(table, on)
    return (
        sa.select(*columns).select_from(source).where(U.c.deleted_at.is_(None), _compile(tree, ctx))
    )


def _compile(tree: Filter, ctx: SegmentContext) -> Any:
    match tree:
        case AllOf(parts):
            return sa.and_(*(_compile(part, ctx) for part in parts))
        case AnyOf(parts):
            return sa.or_(*(_compile(part, ctx) for part in parts))
        case Not(part):
            return sa.not_(_compile(part, ctx))
        case Condition():
            return _CONDITIONS[tree.field](tree, ctx)
    raise TypeError(f"not a filter: {tree!r}")


def _equality(column: Any, condition: Condition) -> Any:
    if condition.op == "in":
        return column.in_(list(condition.value))
    return column == condition.value if condition.op == "eq" else column != condition.value


def _range(expression: Any, condition: Condition) -> Any:
    match condition.op:
        case "eq":
            return expression == condition.value
        case "gte":
            return expression >= condition.value
        case "lte":
            return expression <= condition.value
    low, high = condition.value
    return expression.between(low, high)


def _membership(predicate: Callable[[Any], Any], condition: Condition) -> Any:
    """`eq X`: holds for X; `ne X`: does not; `in [X, Y]`: holds for any of them."""
    values = condition.value if condition.op == "in" else (condition.value,)
    held = sa.or_(*(predicate(value) for value in values))
    return sa.not_(held) if condition.op == "ne" else held


def _lifecycle(condition: Condition, ctx: SegmentContext) -> Any:
    """The stage counts from the broker account's opening when the broker reported it (partner
    client event `account_opened`), else from the app sign-up."""
    six, twenty_four = sa.text("interval '6 months'"), sa.text("interval '24 months'")
    now = sa.literal(ctx.now, sa.DateTime(timezone=True))
    since = sa.func.coalesce(U.c.broker_account_opened_at, U.c.created_at)
    stages = {
        "new": since > now - six,
        "growing": sa.and_(since <= now - six, since >= now - twenty_four),
        "mature": since < now - twenty_four,
    }
    return _membership(lambda stage: stages[stage], condition)


def _risk_profile(condition: Condition, ctx: SegmentContext) -> Any:
    def has(profile: str) -> Any:
        if profile == "not_assessed":
            return U.c.risk_profile.is_(None)
        return sa.and_(U.c.risk_profile.is_not(None), U.c.risk_profile == profile)

    return _membership(has, condition)


def _locale(condition: Condition, ctx: SegmentContext) -> Any:
    return _equality(U.c.locale, condition)


def _birthday_today(condition: Condition, ctx: SegmentContext) -> Any:
    """Month and day of the birthday equal to today's in the learner's own zone."""
    local_now = sa.func.timezone(U.c.timezone, sa.literal(ctx.now, sa.DateTime(timezone=True)))
    today = sa.func.to_char(local_now, "MM-DD")
    born = sa.and_(U.c.birthday.is_not(None), sa.func.to_char(U.c.birthday, "MM-DD") == today)
    return born if condition.value else sa.not_(born)


def _days_since_active(ctx: SegmentContext) -> Any:
    """Whole days since the learner's last active day, or since sign-up if never active."""
    last = STREAK.c.last_active_on  # joined when the filter reads it
    signed_up = sa.cast(sa.func.timezone(ctx.business_zone.key, U.c.created_at), sa.Date)
    return sa.literal(ctx.today, sa.Date) - sa.func.coalesce(last, signed_up)


def _inactive_days(condition: Condition, ctx: SegmentContext) -> Any:
    return _range(_days_since_active(ctx), condition)


def _active_days(condition: Condition, ctx: SegmentContext) -> Any:
    """`active_days lte 7`: active within the last 7 days (0 is today); never-active learners
    are never "active in the last N days"."""
    active = STREAK.c.last_active_on.is_not(None)
    return sa.and_(active, _range(_days_since_active(ctx), condition))


def _completed_course(condition: Condition, ctx: SegmentContext) -> Any:
    def completed(slug: str) -> Any:
        return sa.exists().where(
            PROGRESS.c.user_id == U.c.id,
            PROGRESS.c.completed_at.is_not(None),
            PROGRESS.c.course_id
            == sa.select(COURSE.c.id).where(COURSE.c.slug == slug).scalar_subquery(),
        )

    return _membership(completed, condition)


def _quizzes_passed(condition: Condition, ctx: SegmentContext) -> Any:
    return _range(sa.func.coalesce(PASSED.c.passed, 0), condition)


def _points_balance(condition: Condition, ctx: SegmentContext) -> Any:
    return _range(sa.func.coalesce(POINTS.c.balance, 0), condition)


def _level(condition: Condition, ctx: SegmentContext) -> Any:
    """Levels as XP thresholds: level >= n is XP >= the XP of level n (levels.py)."""
    xp = sa.func.coalesce(XP.c.balance, 0)

    def reached(level: int) -> Any:
        return xp >= xp_for_level(max(level, 1))

    def below(level: int) -> Any:
        return xp < xp_for_level(level + 1)

    match condition.op:
        case "gte":
            return reached(condition.value)
        case "lte":
            return below(condition.value)
        case "eq":
            return sa.and_(reached(condition.value), below(condition.value))
    low, high = condition.value
    return sa.and_(reached(low), below(high))


def _holds_voucher(condition: Condition, ctx: SegmentContext) -> Any:
    def holds(product_id: Any) -> Any:
        return sa.exists().where(
            VOUCHER.c.user_id == U.c.id,
            VOUCHER.c.product_id == product_id,
            VOUCHER.c.status == "issued",
            VOUCHER.c.expires_at > ctx.now,
        )

    return _membership(holds, condition)


def _joined_contest(condition: Condition, ctx: SegmentContext) -> Any:
    def joined(contest_id: Any) -> Any:
        return sa.exists().where(ENTRY.c.user_id == U.c.id, ENTRY.c.contest_id == contest_id)

    return _membership(joined, condition)


def _instant(value: date | datetime, ctx: SegmentContext, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value
    return ctx.day_start(value + timedelta(days=1) if end else value)


def _registered_at(condition: Condition, ctx: SegmentContext) -> Any:
    """Dates are whole business days: `lte 2026-03-01` includes all of March 1st."""
    if condition.op == "between":
        low, high = condition.value
        return sa.and_(
            U.c.created_at >= _instant(low, ctx, end=False),
            U.c.created_at < _instant(high, ctx, end=True)
            if not isinstance(high, datetime)
            else U.c.created_at <= high,
        )
    if condition.op == "gte":
        return U.c.created_at >= _instant(condition.value, ctx, end=False)
    if isinstance(condition.value, datetime):
        return U.c.created_at <= condition.value
    return U.c.created_at < _instant(condition.value, ctx, end=True)


_CONDITIONS: dict[str, Callable[[Condition, SegmentContext], Any]] = {
    "lifecycle_stage": _lifecycle,
    "risk_profile": _risk_profile,
    "locale": _locale,
    "birthday_today": _birthday_today,
    "inactive_days": _inactive_days,
    "active_days": _active_days,
    "completed_course": _completed_course,
    "quizzes_passed": _quizzes_passed,
    "points_balance": _points_balance,
    "level": _level,
    "holds_voucher_product": _holds_voucher,
    "joined_contest": _joined_contest,
    "registered_at": _registered_at,
}
