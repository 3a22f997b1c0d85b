"""Daily points caps, held under concurrency by counter rows.

One row per (learner, local day, scope): scope '*' counts the points of every rule, a rule's
kind counts that rule's. Points are taken from a counter by one conditional upsert that grants
`min(wanted, cap - used)` and locks the row until the transaction ends, so concurrent awards
queue on it and together never cross the cap. There is no count-then-insert anywhere.

Lock order, to keep awards of one learner free of deadlocks: the '*' row first, then rule
rows. The '*' row serialises a learner's awards, so rule rows are only ever taken under it.
"""

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.rewards.models import RewardDailyPoints


def _take() -> Any:
    """Built once, with bound parameters: it runs for every reward paid. (A parameter of an
    INSERT or UPDATE may not be named like one of its columns: hence `user`, `scope_name`.)"""
    points = col(RewardDailyPoints.points)
    wanted = sa.bindparam("wanted", type_=sa.BigInteger())
    cap = sa.bindparam("cap", type_=sa.BigInteger())
    first = sa.bindparam("first", type_=sa.BigInteger())
    new_total = sa.func.least(points + wanted, cap)
    return (
        insert(RewardDailyPoints)
        .values(
            user_id=sa.bindparam("user", type_=sa.Uuid()),
            earned_on=sa.bindparam("day", type_=sa.Date()),
            scope=sa.bindparam("scope_name", type_=sa.String()),
            points=first,
            last_granted=first,
        )
        .on_conflict_do_update(
            index_elements=["user_id", "earned_on", "scope"],
            # In SET, `points` is the row before this update: the grant is new minus old.
            set_={"points": new_total, "last_granted": new_total - points},
            where=points < cap,
        )
        .returning(col(RewardDailyPoints.last_granted))
    )


_TAKE = _take()
_GIVE_BACK = (
    sa.update(RewardDailyPoints)
    .where(
        col(RewardDailyPoints.user_id) == sa.bindparam("user", type_=sa.Uuid()),
        col(RewardDailyPoints.earned_on) == sa.bindparam("day", type_=sa.Date()),
        col(RewardDailyPoints.scope) == sa.bindparam("scope_name", type_=sa.String()),
    )
    .values(points=col(RewardDailyPoints.points) - sa.bindparam("returned", type_=sa.BigInteger()))
)


async def take_points(
    db: AsyncSession, *, user_id: uuid.UUID, day: date, scope: str, wanted: int, cap: int
) -> int:
    """Take up to `wanted` points from the learner's allowance; return what was granted
    (less than `wanted` when the cap is near, 0 when it is reached)."""
    if wanted <= 0:
        return 0
    params = {
        "user": user_id,
        "day": day,
        "scope_name": scope,
        "wanted": wanted,
        "cap": cap,
        "first": min(wanted, max(cap, 0)),
    }
    granted = (await db.execute(_TAKE, params)).scalar_one_or_none()
    return int(granted or 0)


async def give_back(
    db: AsyncSession, *, user_id: uuid.UUID, day: date, scope: str, points: int
) -> None:
    """Return points taken in this transaction (whose row lock it still holds)."""
    if points <= 0:
        return
    params = {"user": user_id, "day": day, "scope_name": scope, "returned": points}
    await db.execute(_GIVE_BACK, params)


async def points_earned_on(db: AsyncSession, *, user_id: uuid.UUID, day: date, scope: str) -> int:
    points = await db.scalar(
        sa.select(col(RewardDailyPoints.points)).where(
            col(RewardDailyPoints.user_id) == user_id,
            col(RewardDailyPoints.earned_on) == day,
            col(RewardDailyPoints.scope) == scope,
        )
    )
    return int(points or 0)


async def forget_days_before(db: AsyncSession, day: date) -> int:
    """Counters of past days are never read again; a periodic job may delete them."""
    result = await db.execute(
        sa.delete(RewardDailyPoints).where(col(RewardDailyPoints.earned_on) < day)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
