"""The standings' periodic jobs: the equity snapshot at the close, the standings refresh, and
finalising contests that ended. Each opens its own transactions, one per contest (and one per
chunk of entrants when finalising)."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.jobs import JobContext
from api.rewards.wallets import reward_policy
from gamification.contests.calendar import market_calendar
from gamification.contests.finalisation import (
    RewardHook,
    contests_to_finalise,
    finalise_contest,
)
from gamification.contests.snapshots import contests_running_between, snapshot_equity
from gamification.contests.standings import (
    drop_superseded_generations,
    ensure_state,
    refresh_standings,
    running_contests,
)
from gamification.rewards.rules import RewardEvent
from gamification.rewards.service import RewardPolicy, award_for_events

# The finalisation job's own period (equal on every replica by construction).
FINALISE_PERIOD_SECONDS = 60


async def snapshot_equities(ctx: JobContext) -> str:
    """Each entry's equity at today's close, on trading days."""
    now = ctx.clock.now()
    calendar = market_calendar()
    day = now.astimezone(calendar.timezone).date()
    if not calendar.is_trading_day(day):
        return f"{day} is not a trading day"
    since = datetime.combine(day, calendar.sessions[0].open, tzinfo=calendar.timezone)
    async with ctx.sessionmaker.begin() as db:
        contests = await contests_running_between(db, since=since, until=now)
    written = 0
    for contest_id in contests:
        async with ctx.sessionmaker.begin() as db:
            written += await snapshot_equity(db, contest_id, day=day, now=now)
    return f"{written} equity snapshots for {day} in {len(contests)} contests"


async def refresh_all_standings(ctx: JobContext) -> str:
    now = ctx.clock.now()
    async with ctx.sessionmaker.begin() as db:
        contests = await running_contests(db, now=now)
    refreshed, entrants = 0, 0
    for contest_id, ranking in contests:
        async with ctx.sessionmaker.begin() as db:
            await ensure_state(db, contest_id, now=now)
        async with ctx.sessionmaker.begin() as db:
            done = await refresh_standings(db, contest_id, ranking=ranking, now=now)
        if done is not None:
            refreshed, entrants = refreshed + 1, entrants + done.entrants
    # Also the generations finalisation superseded when it froze a contest's standings.
    async with ctx.sessionmaker.begin() as db:
        dropped = await drop_superseded_generations(db)
    old = (
        "old generations kept for now" if dropped is None else f"{dropped} old generations dropped"
    )
    return f"refreshed {refreshed} of {len(contests)} running contests ({entrants} entrants); {old}"


def reward_hook(policy: RewardPolicy, now: datetime) -> RewardHook:
    """Contest rewards through the rule table, in the settling chunk's transaction."""

    async def pay(db: AsyncSession, user_id: uuid.UUID, events: Sequence[RewardEvent]) -> None:
        await award_for_events(
            db, user_id=user_id, timezone=None, events=events, now=now, policy=policy, active=False
        )

    return pay


async def finalise_contests(ctx: JobContext) -> str:
    now = ctx.clock.now()
    async with ctx.sessionmaker.begin() as db:
        due = await contests_to_finalise(db, now=now)
    hook = reward_hook(reward_policy(ctx.settings), now)
    results = [
        await finalise_contest(ctx.sessionmaker, contest_id, now=now, reward=hook)
        for contest_id in due
    ]
    done = sum(result.finalised for result in results)
    settled = sum(result.settled for result in results)
    return f"finalised {done} of {len(due)} ended contests ({settled} entrants settled)"
