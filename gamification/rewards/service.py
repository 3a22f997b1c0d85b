"""Turning events into points and XP, and the wallet that shows them.

`award_for_events` runs in the caller's transaction (the lesson or quiz write): it counts the
day for the streak, finds the rule of each event, scales its points by any campaign, takes the
points from the daily caps and earns them in the ledger under the event's idempotency key. A
replayed event finds its key taken: it earns nothing and gives back what it took from the caps.
All of that is one database function (`reward_award`, migration 0019); `rules.py`,
`streaks.py` and `caps.py` hold the specification it follows, tested without the database.
Then, in the same transaction, the batch goes on to the engagement counters, the quests and
badges they complete (`gamification.engagement`), and the week's XP to the league, last.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from core.days import local_day
from core.driver_reads import DriverRead
from courses.events import LearningEvent
from gamification.engagement.kinds import (
    Tally,
    learning_counters,
    reward_event_counters,
    tally,
)
from gamification.engagement.service import Payout, record_engagement
from gamification.ledger.operations import DEFAULT_LOT_DAYS
from gamification.ledger.queries import Balances, balances_of, expiring_before
from gamification.rewards.levels import level_for, xp_to_next_level
from gamification.rewards.rules import (
    STREAK_PREFIX,
    MultiplierSource,
    RewardEvent,
    no_campaigns,
    occurrence_of,
)
from gamification.rewards.streaking import read_streak
from gamification.rewards.streaks import MILESTONES, Streak, StreakView, streak_as_of

DEFAULT_DAILY_POINTS_CAP = 500
DEFAULT_TIMEZONE = "Asia/Shanghai"
# The kind of a quest's reward among a batch's rewards, and the kind a points multiplier
# campaign names to multiply quests.
QUEST_REWARD = "quest"


@dataclass(frozen=True)
class RewardPolicy:
    """The knobs from settings: the global daily points cap per learner, the lifetime of
    earned points, the zone of learners without one, and where campaign multipliers are
    looked up: every path that pays rules or quests (lessons, quizzes, streaks, posts,
    contests, reported events) goes through this policy, so a multiplier reaches them all."""

    daily_points_cap: int = DEFAULT_DAILY_POINTS_CAP
    lot_days: int = DEFAULT_LOT_DAYS
    business_timezone: str = DEFAULT_TIMEZONE
    multipliers: MultiplierSource = field(default=no_campaigns)

    @property
    def payout(self) -> Payout:
        """The knobs quests are paid under: the same cap, lifetime and zone. A multiplier
        campaign naming the `quest` rule reaches quests inside `engagement_record` (SQL), which
        reads it from `campaign_multiplier` when a quest completes."""
        return Payout(self.daily_points_cap, self.lot_days, self.business_timezone)


@dataclass(frozen=True)
class Reward:
    kind: str  # the rule kind: lesson_completed, streak_7, ...
    points: int
    xp: int
    reason: dict[str, Any]  # as stored on the ledger transaction; `capped_from` when capped


@dataclass(frozen=True)
class Wallet:
    points: int
    xp: int
    level: int
    xp_to_next_level: int
    streak: StreakView
    points_expiring: list[tuple[int, datetime]]  # (points, expires_at), next 30 days


# Built once: every award is this one call of its database function (migration 0019).
_AWARD = (
    sa.text(
        "SELECT rewards, streak_current, streak_longest, streak_freezes, streak_last_active_on, "
        "streak_run_started_on, points, xp, expiring_points, expiring_at FROM reward_award("
        ":user_id, :now, :today, :cap_day, :active, :kinds, :references, :keys, :instances, "
        ":details, :multiplier_kinds, :multipliers, :daily_cap, :lot_days, :expiring_before)"
    )
    .bindparams(
        sa.bindparam("details", type_=ARRAY(JSONB)),
        sa.bindparam("multipliers", type_=ARRAY(sa.Numeric())),
    )
    .columns(rewards=JSONB)
)


async def award_for_events(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    timezone: str | None,
    events: Sequence[LearningEvent | RewardEvent],
    now: datetime,
    policy: RewardPolicy = RewardPolicy(),
    active: bool | None = None,
) -> tuple[list[Reward], Wallet]:
    """Pay the rules for `events` and count the day for the streak when the learner was
    `active` (default: when any event is a learning event). Returns what was paid and the
    wallet after it.

    One statement, `reward_award`: the streak row is locked and counted first (a milestone it
    reaches is paid after the events), then each occurrence whose key is not paid yet takes
    its points from the caps (the global row orders every award of the learner, then the
    rule's) and is earned under its key; a replay that lost the race gives the caps back. It
    returns the wallet's balances too.
    """
    occurrences = [occurrence_of(event) for event in events]
    learned = any(not isinstance(event, RewardEvent) for event in events)
    # The multiplier of each kind that may be paid: the events', then the streak milestones'.
    kinds = [o.kind for o in occurrences] + [f"{STREAK_PREFIX}{days}" for days in MILESTONES]
    multiplier = await policy.multipliers(db, user_id, now)
    multipliers = {kind: multiplier(kind, user_id, now) for kind in dict.fromkeys(kinds)}
    today = local_day(now, timezone, policy.business_timezone)  # streaks count their days
    params = {
        "user_id": user_id,
        "now": now,
        "today": today,
        # Caps count business days: a learner who changes time zone cannot open a second
        # "today".
        "cap_day": local_day(now, None, policy.business_timezone),
        "active": learned if active is None else active,
        "kinds": [o.kind for o in occurrences],
        "references": [o.reference for o in occurrences],
        "keys": [o.key for o in occurrences],
        "instances": [o.instance for o in occurrences],
        "details": [dict(o.details) for o in occurrences],
        "multiplier_kinds": list(multipliers),
        "multipliers": list(multipliers.values()),
        "daily_cap": policy.daily_points_cap,
        "lot_days": policy.lot_days,
        "expiring_before": expiring_before(now),
    }
    row = (await db.execute(_AWARD, params)).one()
    rewards = [
        Reward(item["kind"], int(item["points"]), int(item["xp"]), item["reason"])
        for item in row.rewards
    ]
    streak = streak_of(row)
    held = wallet_of(balances_of(row), streak, today)
    counted = _tally(events, streak, today, active=learned if active is None else active)
    engaged = await record_engagement(
        db,
        user_id=user_id,
        timezone=timezone,
        counted=counted,
        league_xp=sum(reward.xp for reward in rewards),  # the quests' XP is added to it
        now=now,
        payout=policy.payout,
    )
    if engaged.quests:  # they moved the balances: the wallet is read again
        rewards += [Reward(QUEST_REWARD, q.points, q.xp, q.reason) for q in engaged.quests]
        held = await wallet(db, user_id=user_id, timezone=timezone, now=now, policy=policy)
    return rewards, held


def _tally(
    events: Sequence[LearningEvent | RewardEvent], streak: Streak, today: date, *, active: bool
) -> Tally:
    """What the events add to the engagement counters; an active day on the streak marks
    `streak_kept` for today and offers the longest streak as a record."""
    kinds = [
        kind
        for event in events
        for kind in (
            reward_event_counters(event.kind, event.details)
            if isinstance(event, RewardEvent)
            else learning_counters(event)
        )
    ]
    kept = active and streak.last_active_on is not None and streak.last_active_on >= today
    return tally(kinds, day_counted=kept, longest_streak=streak.longest if kept else None)


def streak_of(row: Any) -> Streak:
    """The streak row from columns named `streak_*` (all NULL: no row yet)."""
    if row.streak_current is None:
        return Streak()
    return Streak(
        row.streak_current,
        row.streak_longest,
        row.streak_freezes,
        row.streak_last_active_on,
        row.streak_run_started_on,
    )


def wallet_of(held: Balances, streak: Streak, today: date) -> Wallet:
    return Wallet(
        points=held.points,
        xp=held.xp,
        level=level_for(held.xp),
        xp_to_next_level=xp_to_next_level(held.xp),
        streak=streak_as_of(streak, today),
        points_expiring=held.expiring,
    )


async def streak_view(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    timezone: str | None,
    now: datetime,
    policy: RewardPolicy = RewardPolicy(),
) -> StreakView:
    """The streak as of the learner's today."""
    streak = await read_streak(db, user_id) or Streak()
    return streak_as_of(streak, local_day(now, timezone, policy.business_timezone))


# Built once: the wallet of every redemption and wallet read, in one statement.
_WALLET = DriverRead(
    sa.text(
        "SELECT b.points, b.xp, b.expiring_points, b.expiring_at, s.current AS streak_current, "
        "s.longest AS streak_longest, s.freezes AS streak_freezes, "
        "s.last_active_on AS streak_last_active_on, s.run_started_on AS streak_run_started_on "
        "FROM ledger_balances(:user_id, :now, :expiring_before) AS b "
        "LEFT JOIN reward_streak AS s ON s.user_id = :user_id"
    )
)


async def wallet(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    timezone: str | None,
    now: datetime,
    policy: RewardPolicy = RewardPolicy(),
) -> Wallet:
    """The balances (`ledger_balances`) and the streak as of the learner's today."""
    params = {"user_id": user_id, "now": now, "expiring_before": expiring_before(now)}
    row = await _WALLET.first(db, **params)
    assert row is not None, "ledger_balances answers one row for anyone"
    today = local_day(now, timezone, policy.business_timezone)
    return wallet_of(balances_of(row), streak_of(row), today)
