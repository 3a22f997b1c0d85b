"""The learner's streak row: counted under a row lock, read without one."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.rewards.models import RewardStreak
from gamification.rewards.streaks import Streak, StreakUpdate, record_active_day

_COLUMNS = (
    col(RewardStreak.current),
    col(RewardStreak.longest),
    col(RewardStreak.freezes),
    col(RewardStreak.last_active_on),
    col(RewardStreak.run_started_on),
)


async def read_streak(db: AsyncSession, user_id: uuid.UUID, *, lock: bool = False) -> Streak | None:
    query = sa.select(*_COLUMNS).where(col(RewardStreak.user_id) == user_id)
    row = (await db.execute(query.with_for_update() if lock else query)).first()
    return Streak(*row) if row is not None else None


async def record_activity(
    db: AsyncSession, *, user_id: uuid.UUID, today: date, now: datetime
) -> StreakUpdate:
    """Count `today` for the learner. The row is locked until commit, so concurrent activity
    of one learner counts the day once and reaches each milestone once."""
    streak = await read_streak(db, user_id, lock=True)
    if streak is None:
        await db.execute(
            insert(RewardStreak)
            .values(user_id=user_id, current=0, longest=0, freezes=0, updated_at=now)
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        streak = await read_streak(db, user_id, lock=True)
        assert streak is not None
    update = record_active_day(streak, today)
    if update.counted:
        counted = update.streak
        await db.execute(
            sa.update(RewardStreak)
            .where(col(RewardStreak.user_id) == user_id)
            .values(
                current=counted.current,
                longest=counted.longest,
                freezes=counted.freezes,
                last_active_on=counted.last_active_on,
                run_started_on=counted.run_started_on,
                updated_at=now,
            )
        )
    return update
