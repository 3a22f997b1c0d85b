"""The learner's streak row. Days are counted under its row lock by `reward_award` (migration
0019), following `streaks.record_active_day`; the streak extras (repair, pause) lock and write
it here."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.rewards.models import RewardStreak
from gamification.rewards.streaks import Streak

_COLUMNS = (
    col(RewardStreak.current),
    col(RewardStreak.longest),
    col(RewardStreak.freezes),
    col(RewardStreak.last_active_on),
    col(RewardStreak.run_started_on),
    col(RewardStreak.paused_from),
    col(RewardStreak.paused_until),
    col(RewardStreak.repaired_on),
)
# Built once, with bound parameters: the wallet reads it. (A parameter of an INSERT or UPDATE
# may not be named like one of its columns: hence `user`.)
_USER = sa.bindparam("user", type_=sa.Uuid())
_READ = sa.select(*_COLUMNS).where(col(RewardStreak.user_id) == _USER)
_READ_LOCKED = _READ.with_for_update()
_new_row = insert(RewardStreak).values(
    user_id=_USER,
    current=0,
    longest=0,
    freezes=0,
    updated_at=sa.bindparam("now", type_=sa.DateTime(timezone=True)),
)
# Create the row, or (when a concurrent first activity created it meanwhile) lock and read
# that one, in one statement; the no-op SET is what takes the lock.
_CREATE_LOCKED = _new_row.on_conflict_do_update(
    index_elements=["user_id"], set_={"user_id": _new_row.excluded.user_id}
).returning(*_COLUMNS)
_WRITE = (
    sa.update(RewardStreak)
    .where(col(RewardStreak.user_id) == _USER)
    .values(
        current=sa.bindparam("new_current"),
        longest=sa.bindparam("new_longest"),
        freezes=sa.bindparam("new_freezes"),
        last_active_on=sa.bindparam("new_last_active_on"),
        run_started_on=sa.bindparam("new_run_started_on"),
        paused_from=sa.bindparam("new_paused_from"),
        paused_until=sa.bindparam("new_paused_until"),
        repaired_on=sa.bindparam("new_repaired_on"),
        updated_at=sa.bindparam("now"),
    )
)


async def read_streak(db: AsyncSession, user_id: uuid.UUID, *, lock: bool = False) -> Streak | None:
    row = (await db.execute(_READ_LOCKED if lock else _READ, {"user": user_id})).first()
    return Streak(**row._mapping) if row is not None else None


async def lock_streak(db: AsyncSession, user_id: uuid.UUID, *, now: datetime) -> Streak:
    """The learner's streak row, created if missing, locked until commit."""
    streak = await read_streak(db, user_id, lock=True)
    if streak is None:
        row = (await db.execute(_CREATE_LOCKED, {"user": user_id, "now": now})).one()
        streak = Streak(**row._mapping)
    return streak


async def write_streak(
    db: AsyncSession, user_id: uuid.UUID, streak: Streak, *, now: datetime
) -> None:
    """Store the streak (whose row this transaction locked)."""
    await db.execute(
        _WRITE,
        {
            "user": user_id,
            "new_current": streak.current,
            "new_longest": streak.longest,
            "new_freezes": streak.freezes,
            "new_last_active_on": streak.last_active_on,
            "new_run_started_on": streak.run_started_on,
            "new_paused_from": streak.paused_from,
            "new_paused_until": streak.paused_until,
            "new_repaired_on": streak.repaired_on,
            "now": now,
        },
    )
