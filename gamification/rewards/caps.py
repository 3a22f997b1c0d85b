"""Daily points caps, held under concurrency by counter rows.

One row per (learner, local day, scope): scope '*' counts the points of every rule, a rule's
kind counts that rule's. Points are taken from a counter by one conditional upsert that grants
`min(wanted, cap - used)` (`rules.grant_under_cap`) and locks the row until the transaction
ends, so concurrent awards queue on it and together never cross the cap. There is no
count-then-insert anywhere. The upsert is `reward_take_points` (migration 0019), which
`reward_award` calls; this module reads and prunes the counters.

Lock order, to keep awards of one learner free of deadlocks: the '*' row first, then rule
rows. The '*' row serialises a learner's awards, so rule rows are only ever taken under it.
"""

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.rewards.models import RewardDailyPoints


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
