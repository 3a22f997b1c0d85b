"""Handing a batch of events to the quests, the badges and the league, in the transaction of
the events (the lesson, the quiz, the contest step): counters first, then the quests they
complete (paid once), the badges they earn (once), and the week's XP for the league.

Two ways in: `record_engagement`, which the rewards service calls with every batch it pays
for, and `record_event`, the public function for events no rule pays for (a post read, a
practice order, a voucher redeemed), each counted once per learner, kind and reference.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core.days import local_day
from gamification.badges.service import award_badge
from gamification.engagement.counters import count_batch, first_sight
from gamification.engagement.kinds import REPORTED_KINDS, Tally, tally
from gamification.leagues.service import add_league_xp
from gamification.quests.draw import Periods
from gamification.quests.service import QuestPaid, advance_quests


class QuestMultiplier(Protocol):
    """The campaign multiplier of a learner's quest points at a moment (1 outside any)."""

    async def __call__(self, db: AsyncSession, user_id: uuid.UUID, now: datetime) -> Decimal: ...


async def no_quest_multiplier(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> Decimal:
    return Decimal(1)


@dataclass(frozen=True)
class Payout:
    """The rewards knobs quests are paid under: the daily points cap, the lifetime of
    earned points, the business time zone (cap days and league weeks), and the campaign
    multiplier of quest points (applied before the cap takes its share)."""

    daily_points_cap: int
    lot_days: int
    business_timezone: str
    quest_multiplier: QuestMultiplier = no_quest_multiplier


@dataclass(frozen=True)
class Engagement:
    quests: list[QuestPaid]
    badges: list[str]


async def record_engagement(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    timezone: str | None,
    counted: Tally,
    now: datetime,
    payout: Payout,
) -> Engagement:
    """Count the batch, pay the quests it completes, award the badges it earns. League XP is
    added separately (`add_league_xp`), last in the transaction: joining holds a shared row."""
    if not counted.kinds:
        return Engagement([], [])
    today = local_day(now, timezone, payout.business_timezone)
    badges = await count_batch(db, user_id, counted, day=today, now=now)
    paid = await advance_quests(
        db,
        user_id=user_id,
        kinds=set(counted.counts),
        periods=Periods(today),
        cap_day=local_day(now, None, payout.business_timezone),
        daily_points_cap=payout.daily_points_cap,
        lot_days=payout.lot_days,
        now=now,
        multiplier=lambda: payout.quest_multiplier(db, user_id, now),
    )
    for quest in paid:
        if quest.quest.badge_id and await award_badge(
            db, user_id=user_id, badge_id=quest.quest.badge_id, now=now
        ):
            badges.append(quest.quest.badge_id)
    return Engagement(paid, badges)


async def record_event(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    kind: str,
    reference: str,
    timezone: str | None,
    now: datetime,
    payout: Payout,
) -> Engagement:
    """Count an event no rule pays for (`post_read`, `practice_order`, `vouchers_redeemed`)
    once per reference, with its quests, badges and the quests' XP."""
    if kind not in REPORTED_KINDS:
        raise ValueError(f"not a reported engagement kind: {kind}")
    if not await first_sight(db, user_id, kind, reference, now=now):
        return Engagement([], [])
    done = await record_engagement(
        db,
        user_id=user_id,
        timezone=timezone,
        counted=tally([kind], day_counted=False, longest_streak=None),
        now=now,
        payout=payout,
    )
    await add_league_xp(
        db,
        user_id=user_id,
        xp=sum(q.xp for q in done.quests),
        now=now,
        business_timezone=payout.business_timezone,
    )
    return done
