"""Handing a batch of events to the quests, the badges and the league, in the transaction of
the events (the lesson, the quiz, the contest step): counters first, then the quests they
complete (paid once), the badges they earn (once), and the week's XP for the league, in one
call of the database function `engagement_record` (migration 0029).

Two ways in: `record_engagement`, which the rewards service calls with every batch it pays
for, and `record_event`, the public function for events no rule pays for (a post read),
each counted once per learner, kind and reference by one call of
`engagement_report`. A voucher redeemed and a contest's practice order are left in the
engagement outbox by the statements that move their value, under the knobs `Reporting` gives
them, and counted after the commit (`gamification.engagement.outbox`).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from core.days import local_day
from core.driver_reads import DriverStep
from gamification.engagement.kinds import DAY_MARK_KINDS, MAXIMUM_KINDS, REPORTED_KINDS, Tally
from gamification.leagues.tiers import COHORT_SIZE, MAX_TIERS
from gamification.quests.catalogue import DAILY_QUESTS

# Built once: a reported event counted, its badges, quests and league XP (migration 0029).
_REPORT = sa.text(
    "SELECT engagement_report(:user_id, :kind, :reference, :day, :cap_day, :daily_cap, "
    ":lot_days, :now, :daily_quests, :highest_tier, :cohort_size)"
)
# Built once: a batch counted, its badges, quests and the league XP (migration 0029, 0049),
# sent straight to the driver inside the events' transaction (the reward's statement opened it).
_RECORD = DriverStep(
    sa.text(
        "SELECT points, xp, reason FROM engagement_record(:user_id, :day_kinds, :day_counts, "
        ":day_mark_kinds, :kinds, :values, :maximum_kinds, :touched, :day, :cap_day, "
        ":daily_cap, :lot_days, :now, :daily_quests, :league_xp, :highest_tier, :cohort_size)"
    ).columns(points=sa.BigInteger, xp=sa.BigInteger, reason=JSONB)
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
class QuestPaid:
    points: int  # after the global daily cap
    xp: int
    reason: dict[str, Any]  # as stored on the ledger transaction


@dataclass(frozen=True)
class Engagement:
    quests: list[QuestPaid]


async def record_engagement(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    timezone: str | None,
    counted: Tally,
    league_xp: int,
    now: datetime,
    payout: Payout,
) -> Engagement:
    """Count the batch, award the badges it earns, pay the quests it completes, and add the
    batch's `league_xp` with the quests' XP to the learner's league week: one statement."""
    if not counted.kinds and league_xp <= 0:
        return Engagement([])
    by_day = sorted(counted.counts.items())
    lifetime = sorted(
        (kind, value)
        for kind, value in {**counted.counts, **counted.maxima}.items()
        if kind not in DAY_MARK_KINDS
    )
    params = reporting(timezone=timezone, now=now, payout=payout).params() | {
        "user_id": user_id,
        "now": now,
        "day_kinds": [kind for kind, _ in by_day],
        "day_counts": [count for _, count in by_day],
        "day_mark_kinds": sorted(DAY_MARK_KINDS),
        "kinds": [kind for kind, _ in lifetime],
        "values": [value for _, value in lifetime],
        "maximum_kinds": sorted(MAXIMUM_KINDS),
        "touched": sorted(counted.kinds),
        "league_xp": league_xp,
    }
    rows = await _RECORD.all(db, **params)
    return Engagement([QuestPaid(int(r.points), int(r.xp), r.reason) for r in rows])


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
