"""Per-author rate limits, counted on the author's `community_rate` row with one conditional
upsert each: concurrent posts from one author queue on that row and never overshoot, and a
post refused later rolls its count back with it.

A window starts at the first post (comment) after the previous window ended; the limits are
plain values from settings (posts per hour and per day, comments per minute)."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.community.errors import CommentingRateLimited, PostingRateLimited
from gamification.community.models import CommunityRate

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class RateLimits:
    posts_per_hour: int
    posts_per_day: int
    comments_per_minute: int


_rate = CommunityRate.__table__  # type: ignore[attr-defined]
_now = sa.bindparam("now", type_=sa.DateTime(timezone=True))


def _window(started: str, count: str, length: timedelta, limit: str) -> tuple[object, ...]:
    """(stale, room, new count, new start) of one window, read off the existing row."""
    started_at, counted = _rate.c[started], _rate.c[count]
    stale = sa.or_(started_at.is_(None), started_at <= _now - length)
    room = sa.or_(stale, counted < sa.bindparam(limit))
    return (
        room,
        sa.case((stale, 1), else_=counted + 1),
        sa.case((stale, _now), else_=started_at),
    )


_HOUR_ROOM, _HOUR_COUNT, _HOUR_START = _window(
    "posts_hour_started_at", "posts_in_hour", HOUR, "per_hour"
)
_DAY_ROOM, _DAY_COUNT, _DAY_START = _window("posts_day_started_at", "posts_in_day", DAY, "per_day")
_MINUTE_ROOM, _MINUTE_COUNT, _MINUTE_START = _window(
    "comments_minute_started_at", "comments_in_minute", MINUTE, "per_minute"
)
_COUNT_POST = (
    insert(_rate)
    .values(
        user_id=sa.bindparam("user_id"),
        posts_hour_started_at=_now,
        posts_in_hour=1,
        posts_day_started_at=_now,
        posts_in_day=1,
    )
    .on_conflict_do_update(
        index_elements=["user_id"],
        set_={
            "posts_in_hour": _HOUR_COUNT,
            "posts_hour_started_at": _HOUR_START,
            "posts_in_day": _DAY_COUNT,
            "posts_day_started_at": _DAY_START,
        },
        where=sa.and_(_HOUR_ROOM, _DAY_ROOM),  # type: ignore[arg-type]
    )
    .returning(_rate.c.user_id)
)
_COUNT_COMMENT = (
    insert(_rate)
    .values(
        user_id=sa.bindparam("user_id"),
        comments_minute_started_at=_now,
        comments_in_minute=1,
    )
    .on_conflict_do_update(
        index_elements=["user_id"],
        set_={"comments_in_minute": _MINUTE_COUNT, "comments_minute_started_at": _MINUTE_START},
        where=_MINUTE_ROOM,  # type: ignore[arg-type]
    )
    .returning(_rate.c.user_id)
)
_WINDOWS = sa.select(CommunityRate).where(col(CommunityRate.user_id) == sa.bindparam("user_id"))


def _retry_after(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds()) + 1)


async def count_post(
    db: AsyncSession, *, user_id: uuid.UUID, limits: RateLimits, now: datetime
) -> None:
    """Count one post in the author's hour and day, or refuse it: 429 with Retry-After (the
    end of the fuller window)."""
    params = {
        "user_id": user_id,
        "now": now,
        "per_hour": limits.posts_per_hour,
        "per_day": limits.posts_per_day,
    }
    if await db.scalar(_COUNT_POST, params) is not None:
        return
    rate = (await db.execute(_WINDOWS, {"user_id": user_id})).scalar_one()
    ends = []
    if rate.posts_in_day >= limits.posts_per_day and rate.posts_day_started_at is not None:
        ends.append(rate.posts_day_started_at + DAY)
    if rate.posts_in_hour >= limits.posts_per_hour and rate.posts_hour_started_at is not None:
        ends.append(rate.posts_hour_started_at + HOUR)
    raise PostingRateLimited(
        per_hour=limits.posts_per_hour,
        per_day=limits.posts_per_day,
        retry_after_seconds=_retry_after(max(ends, default=now), now),
    )


async def count_comment(
    db: AsyncSession, *, user_id: uuid.UUID, limits: RateLimits, now: datetime
) -> None:
    params = {"user_id": user_id, "now": now, "per_minute": limits.comments_per_minute}
    if await db.scalar(_COUNT_COMMENT, params) is not None:
        return
    rate = (await db.execute(_WINDOWS, {"user_id": user_id})).scalar_one()
    started = rate.comments_minute_started_at or now
    raise CommentingRateLimited(
        per_minute=limits.comments_per_minute,
        retry_after_seconds=_retry_after(started + MINUTE, now),
    )
