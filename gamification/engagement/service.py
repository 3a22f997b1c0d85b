"""Handing a batch of events to the quests, the badges and the league, in the transaction of
the events (the lesson, the quiz, the contest step): counters first, then the quests they
complete (paid once), the badges they earn (once), and the week's XP for the league.

Two ways in: `record_engagement`, which the rewards service calls with every batch it pays
for, and `record_event`, the public function for events no rule pays for (a post read, a
practice order), each counted once per learner, kind and reference by one call of the database
function `engagement_report` (migration 0029). A voucher redeemed is reported the same way
from inside `voucher_redeem`, under the knobs `Reporting` gives it.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.days import local_day
from gamification.badges.service import award_badge
from gamification.engagement.counters import count_batch
from gamification.engagement.kinds import REPORTED_KINDS, Tally
from gamification.leagues.tiers import COHORT_SIZE, MAX_TIERS
from gamification.quests.catalogue import DAILY_QUESTS
from gamification.quests.draw import Periods
from gamification.quests.service import QuestPaid, advance_quests

# Built once: a reported event counted, its badges, quests and league XP (migration 0029).
_REPORT = sa.text(
    "SELECT engagement_report(:user_id, :kind, :reference, :day, :cap_day, :daily_cap, "
    ":lot_days, :now, :daily_quests, :highest_tier, :cohort_size)"
)


@dataclass(frozen=True)
class Payout:
    """The rewards knobs quests are paid under: the daily points cap, the lifetime of
    earned points, and the business time zone (cap days and league weeks)."""

    daily_points_cap: int
    lot_days: int
    business_timezone: str


@dataclass(frozen=True)
class Reporting:
    """What `engagement_report` needs besides the event: the learner's day (quests, day
    counts), the business day (the global daily points cap, the league's week) and the
    payout knobs, with the draw's and the league's constants."""

    day: date
    cap_day: date
    payout: Payout

    def params(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "cap_day": self.cap_day,
            "daily_cap": self.payout.daily_points_cap,
            "lot_days": self.payout.lot_days,
            "daily_quests": DAILY_QUESTS,
            "highest_tier": MAX_TIERS - 1,
            "cohort_size": COHORT_SIZE,
        }


def reporting(*, timezone: str | None, now: datetime, payout: Payout) -> Reporting:
    return Reporting(
        day=local_day(now, timezone, payout.business_timezone),
        cap_day=local_day(now, None, payout.business_timezone),
        payout=payout,
    )


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
) -> int:
    """Count an event no rule pays for (`post_read`, `practice_order`, `vouchers_redeemed`)
    once per reference, with its badges, quests and the quests' XP: the XP paid."""
    if kind not in REPORTED_KINDS:
        raise ValueError(f"not a reported engagement kind: {kind}")
    params = reporting(timezone=timezone, now=now, payout=payout).params()
    params |= {"user_id": user_id, "kind": kind, "reference": reference, "now": now}
    return int(await db.scalar(_REPORT, params) or 0)
