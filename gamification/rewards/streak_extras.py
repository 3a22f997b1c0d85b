"""Repairing a broken streak for points, and pausing it for a vacation, under the streak's
row lock (so a repair is paid and applied once, whatever arrives at the same time)."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.days import local_day
from core.errors import DomainError
from gamification.ledger.models import AccountKind, TransactionKind
from gamification.ledger.operations import spend
from gamification.rewards.errors import (
    StreakAlreadyPaused,
    StreakNotBroken,
    StreakRepairTooLate,
    StreakRepairUsed,
)
from gamification.rewards.streaking import lock_streak, write_streak
from gamification.rewards.streaks import Streak, StreakRefusal, paused, repaired

STREAK_REPAIR = "streak_repair"
_ERRORS: dict[str, type[DomainError]] = {
    "not-broken": StreakNotBroken,
    "too-late": StreakRepairTooLate,
    "used-this-month": StreakRepairUsed,
}


@dataclass(frozen=True)
class Pause:
    paused_from: date
    paused_until: date
    streak: Streak


async def repair_streak(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    timezone: str | None,
    business_timezone: str,
    cost: int,
    now: datetime,
) -> Streak:
    """Repair the learner's streak that broke at the start of today, for `cost` points;
    InsufficientPoints (nothing written) when the unexpired points do not cover it."""
    today = local_day(now, timezone, business_timezone)
    streak = await lock_streak(db, user_id, now=now)
    try:
        fixed = repaired(streak, today)
    except StreakRefusal as refusal:
        raise _ERRORS[refusal.reason]() from refusal
    if cost > 0:
        key = f"streak-repair:{user_id}:{today}"
        await spend(
            db,
            user_id=user_id,
            points=cost,
            kind=TransactionKind.SPEND,
            key=key,
            reference=key,
            reason={"code": STREAK_REPAIR, "days": streak.current},
            now=now,
            to=AccountKind.ISSUANCE,
        )
    await write_streak(db, user_id, fixed, now=now)
    return fixed


async def pause_streak(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    timezone: str | None,
    business_timezone: str,
    days: int,
    now: datetime,
) -> Pause:
    """Pause the streak from today (the learner's) for `days` days."""
    today = local_day(now, timezone, business_timezone)
    streak = await lock_streak(db, user_id, now=now)
    try:
        held = paused(streak, today, days)
    except StreakRefusal as refusal:
        raise StreakAlreadyPaused(paused_until=str(streak.paused_until)) from refusal
    await write_streak(db, user_id, held, now=now)
    return Pause(today, today + timedelta(days=days - 1), held)
