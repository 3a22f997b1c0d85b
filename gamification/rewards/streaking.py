"""The learner's streak row, read without a lock. It is counted under a row lock by
`reward_award` (migration 0019), following `streaks.record_active_day`."""

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.rewards.models import RewardStreak
from gamification.rewards.streaks import Streak

# Built once, with a bound parameter: the wallet reads it.
_READ = sa.select(
    col(RewardStreak.current),
    col(RewardStreak.longest),
    col(RewardStreak.freezes),
    col(RewardStreak.last_active_on),
    col(RewardStreak.run_started_on),
).where(col(RewardStreak.user_id) == sa.bindparam("user", type_=sa.Uuid()))


async def read_streak(db: AsyncSession, user_id: uuid.UUID) -> Streak | None:
    row = (await db.execute(_READ, {"user": user_id})).first()
    return Streak(*row) if row is not None else None
