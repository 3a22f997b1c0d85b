"""The market tick: move prices with the configured provider and commit them, then match the
resting limit orders the new prices cross (a transaction per chunk of fills, two at once).
Claimed per slot in `job_run`, so one replica runs each tick; the period is
MARKET_TICK_SECONDS, which must be equal on every replica.
And the daily pruning of one-minute bars older than MARKET_MINUTE_BAR_RETENTION_DAYS."""

from datetime import timedelta
from functools import cache
from pathlib import Path

from api.jobs import JobContext
from api.scheduler.schedules import EPOCH
from gamification.contests.calendar import market_calendar
from gamification.contests.market import move_market, prune_minute_bars
from gamification.contests.market_data import MarketData, ProviderName, market_data
from gamification.contests.matching import match_resting_orders


@cache
def _feed(name: ProviderName, seed: int, tick_seconds: int, replay_file: Path) -> MarketData:
    return market_data(name, seed=seed, tick_seconds=tick_seconds, replay_file=replay_file)


async def tick_market(ctx: JobContext) -> str:
    settings = ctx.settings
    now = ctx.clock.now()
    slot = int((now - EPOCH).total_seconds()) // settings.market_tick_seconds
    feed = _feed(
        settings.market_data_provider,
        settings.market_simulator_seed,
        settings.market_tick_seconds,
        settings.market_replay_file,
    )
    calendar = market_calendar()
    async with ctx.sessionmaker.begin() as db:
        moved = await move_market(db, feed, now=now, slot=slot, calendar=calendar)
    filled = await match_resting_orders(ctx.sessionmaker, now=now, calendar=calendar)
    return f"{feed.name}: moved {moved} instruments, filled {filled} resting orders"


async def prune_old_minute_bars(ctx: JobContext) -> str:
    retention = timedelta(days=ctx.settings.market_minute_bar_retention_days)
    before = ctx.clock.now() - retention
    async with ctx.sessionmaker.begin() as db:
        pruned = await prune_minute_bars(db, before=before)
    return f"pruned {pruned} one-minute bars older than {retention.days} days"
