"""Turning events into points and XP, and the wallet that shows them.

`award_for_events` runs in the caller's transaction (the lesson or quiz write): it counts the
day for the streak, finds the rule of each event, scales its points by any campaign, takes the
points from the daily caps and earns them in the ledger under the event's idempotency key. A
replayed event finds its key taken: it earns nothing and gives back what it took from the caps.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.days import local_day
from courses.events import LearningEvent
from gamification.engagement.kinds import (
    Tally,
    learning_counters,
    reward_event_counters,
    tally,
)
from gamification.engagement.service import Payout, record_engagement
from gamification.leagues.service import add_league_xp
from gamification.ledger.models import LedgerTransaction
from gamification.ledger.operations import DEFAULT_LOT_DAYS, earn
from gamification.ledger.queries import balances
from gamification.rewards.caps import give_back, take_points
from gamification.rewards.catalogue import enabled_rules
from gamification.rewards.levels import level_for, xp_to_next_level
from gamification.rewards.models import ALL_RULES
from gamification.rewards.rules import (
    CampaignMultiplier,
    Occurrence,
    RewardEvent,
    Rule,
    ledger_key,
    multiplied_points,
    no_campaign,
    occurrence_of,
    streak_occurrence,
)
from gamification.rewards.streaking import read_streak, record_activity
from gamification.rewards.streaks import Streak, StreakUpdate, StreakView, streak_as_of

DEFAULT_DAILY_POINTS_CAP = 500
DEFAULT_TIMEZONE = "Asia/Shanghai"
QUEST_REWARD = "quest"  # the kind of a quest's reward among a batch's rewards


@dataclass(frozen=True)
class RewardPolicy:
    """The knobs from settings: the global daily points cap per learner, the lifetime of
    earned points, the zone of learners without one, and the campaign multiplier hook."""

    daily_points_cap: int = DEFAULT_DAILY_POINTS_CAP
    lot_days: int = DEFAULT_LOT_DAYS
    business_timezone: str = DEFAULT_TIMEZONE
    multiplier: CampaignMultiplier = field(default=no_campaign)


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
    wallet after it."""
    today = local_day(now, timezone, policy.business_timezone)  # the learner's day: streaks
    # Caps count business days: a learner who changes time zone cannot open a second "today".
    cap_day = local_day(now, None, policy.business_timezone)
    occurrences = [occurrence_of(event) for event in events]
    learned = any(not isinstance(event, RewardEvent) for event in events)
    streak: Streak | None = None  # known once counted: the wallet need not read it again
    update: StreakUpdate | None = None
    if learned if active is None else active:
        update = await record_activity(db, user_id=user_id, today=today, now=now)
        streak = update.streak
        started = str(update.streak.run_started_on)
        occurrences += [streak_occurrence(user_id, days, started) for days in update.milestones]
    rules = await enabled_rules(db, {occurrence.kind for occurrence in occurrences})
    payable = [(rules[o.kind], o) for o in occurrences if o.kind in rules]
    # The usual replay, answered without touching the caps; one read for all the keys.
    paid = await _paid_keys(db, [ledger_key(rule, occurrence) for rule, occurrence in payable])
    rewards = []
    for rule, occurrence in payable:
        key = ledger_key(rule, occurrence)
        if key not in paid:
            reward = await _pay(
                db, rule, occurrence, key, user_id=user_id, day=cap_day, now=now, policy=policy
            )
            if reward is not None:
                rewards.append(reward)
    payout = Payout(policy.daily_points_cap, policy.lot_days, policy.business_timezone)
    engaged = await record_engagement(
        db,
        user_id=user_id,
        timezone=timezone,
        counted=_tally(events, update),
        now=now,
        payout=payout,
    )
    rewards += [Reward(QUEST_REWARD, q.points, q.xp, q.reason) for q in engaged.quests]
    held = await wallet(
        db, user_id=user_id, timezone=timezone, now=now, policy=policy, streak=streak
    )
    # Last: a learner's first XP of the week takes a place in a cohort under a shared lock.
    await add_league_xp(
        db,
        user_id=user_id,
        xp=sum(reward.xp for reward in rewards),
        now=now,
        business_timezone=policy.business_timezone,
    )
    return rewards, held


def _tally(events: Sequence[LearningEvent | RewardEvent], update: StreakUpdate | None) -> Tally:
    """What the events (and a newly counted streak day) add to the engagement counters."""
    kinds = [
        kind
        for event in events
        for kind in (
            reward_event_counters(event.kind, event.details)
            if isinstance(event, RewardEvent)
            else learning_counters(event)
        )
    ]
    counted = update is not None and update.counted
    return tally(
        kinds,
        day_counted=counted,
        longest_streak=update.streak.longest if update is not None and counted else None,
    )


async def _pay(
    db: AsyncSession,
    rule: Rule,
    occurrence: Occurrence,
    key: str,
    *,
    user_id: uuid.UUID,
    day: date,
    now: datetime,
    policy: RewardPolicy,
) -> Reward | None:
    wanted = multiplied_points(rule.points, policy.multiplier(rule.kind, user_id, now))
    granted = await _take_under_caps(
        db, rule, user_id=user_id, day=day, wanted=wanted, cap=policy.daily_points_cap
    )
    if granted == 0 and rule.xp == 0:
        return None
    reason: dict[str, Any] = {"code": rule.kind, **occurrence.details}
    if granted < wanted:
        reason["capped_from"] = wanted
    posted = await earn(
        db,
        user_id=user_id,
        points=granted,
        xp=rule.xp,
        key=key,
        reference=occurrence.reference,
        reason=reason,
        now=now,
        lot_days=policy.lot_days,
    )
    if not posted.posted:  # a concurrent replay committed first: undo our claim on the caps
        await _give_back_caps(db, rule, user_id=user_id, day=day, points=granted)
        return None
    return Reward(rule.kind, granted, rule.xp, reason)


_PAID = sa.select(col(LedgerTransaction.idempotency_key)).where(
    col(LedgerTransaction.idempotency_key).in_(sa.bindparam("keys", expanding=True))
)


async def _paid_keys(db: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of the ledger keys are taken already."""
    if not keys:
        return set()
    return set((await db.scalars(_PAID, {"keys": keys})).all())


async def _take_under_caps(
    db: AsyncSession, rule: Rule, *, user_id: uuid.UUID, day: date, wanted: int, cap: int
) -> int:
    """Take from the global cap first (its row orders every award of the learner), then
    from the rule's own cap, returning to the global what the rule's cap refused."""
    granted = await take_points(
        db, user_id=user_id, day=day, scope=ALL_RULES, wanted=wanted, cap=cap
    )
    if granted == 0 or rule.daily_cap is None:
        return granted
    allowed = await take_points(
        db, user_id=user_id, day=day, scope=rule.kind, wanted=granted, cap=rule.daily_cap
    )
    await give_back(db, user_id=user_id, day=day, scope=ALL_RULES, points=granted - allowed)
    return allowed


async def _give_back_caps(
    db: AsyncSession, rule: Rule, *, user_id: uuid.UUID, day: date, points: int
) -> None:
    await give_back(db, user_id=user_id, day=day, scope=ALL_RULES, points=points)
    if rule.daily_cap is not None:
        await give_back(db, user_id=user_id, day=day, scope=rule.kind, points=points)


async def streak_view(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    timezone: str | None,
    now: datetime,
    policy: RewardPolicy = RewardPolicy(),
    streak: Streak | None = None,
) -> StreakView:
    """The streak as of today; read from the database unless `streak` is the row as it is."""
    if streak is None:
        streak = await read_streak(db, user_id) or Streak()
    return streak_as_of(streak, local_day(now, timezone, policy.business_timezone))


async def wallet(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    timezone: str | None,
    now: datetime,
    policy: RewardPolicy = RewardPolicy(),
    streak: Streak | None = None,
) -> Wallet:
    held = await balances(db, user_id, now=now)
    return Wallet(
        points=held.points,
        xp=held.xp,
        level=level_for(held.xp),
        xp_to_next_level=xp_to_next_level(held.xp),
        streak=await streak_view(
            db, user_id=user_id, timezone=timezone, now=now, policy=policy, streak=streak
        ),
        points_expiring=held.expiring,
    )
