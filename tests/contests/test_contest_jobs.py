"""The contests' housekeeping jobs: next month's contest from the seed's template, created
ahead of its start, once; one-minute bars pruned after MARKET_MINUTE_BAR_RETENTION_DAYS."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.contests.contest_jobs import create_next_monthly_contests
from api.contests.market_jobs import prune_old_minute_bars
from api.jobs import JobContext
from api.settings import Settings
from core.clock import FrozenClock
from gamification.contests.market_models import BAR_TABLE as BAR
from gamification.contests.models import Contest
from tests.contests.market_helpers import load_market

MONTHLY = "Monthly paper-trading contest"


async def test_the_job_creates_this_and_next_months_contest_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, settings: Settings
) -> None:
    clock.set(datetime(2026, 9, 20, 2, tzinfo=UTC))
    ctx = JobContext(sessionmaker, clock, settings)
    assert await create_next_monthly_contests(ctx) == "2 monthly contests created"
    assert await create_next_monthly_contests(ctx) == "0 monthly contests created"
    clock.set(datetime(2026, 10, 2, 2, tzinfo=UTC))  # a new month: only November is new
    assert await create_next_monthly_contests(ctx) == "1 monthly contests created"
    async with sessionmaker() as db:
        contests = (
            await db.scalars(sa.select(Contest).order_by(Contest.starts_at))  # type: ignore[arg-type]
        ).all()
    assert [c.title_en for c in contests] == [f"{MONTHLY} 2026-{m}" for m in ("09", "10", "11")]
    october = contests[1]
    # 1-7 October is the National Day holiday: the contest opens on the 8th.
    assert october.starts_at.isoformat() == "2026-10-08T01:30:00+00:00"
    assert october.ends_at.isoformat() == "2026-10-30T07:00:00+00:00"
    assert (october.market_hours, october.ranking, october.min_round_trips) == (
        "exchange",
        "risk_adjusted",
        3,
    )
    assert all(c.created_by is None for c in contests)


async def test_minute_bars_older_than_the_retention_are_pruned(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, settings: Settings
) -> None:
    await load_market(sessionmaker, clock)
    now = clock.now()
    old = now - timedelta(days=settings.market_minute_bar_retention_days, minutes=1)
    recent = now - timedelta(days=settings.market_minute_bar_retention_days - 1)
    bar = {"symbol": "600519.SH", "volume": 0} | {
        f"{part}_price": 10 for part in ("open", "high", "low", "close")
    }
    async with sessionmaker.begin() as db:
        await db.execute(sa.delete(BAR))
        await db.execute(
            sa.insert(BAR),
            [
                bar | {"span": "1m", "starts_at": old},
                bar | {"span": "1m", "starts_at": recent},
                bar | {"span": "1d", "starts_at": old},
            ],
        )
    ctx = JobContext(sessionmaker, clock, settings)
    assert await prune_old_minute_bars(ctx) == (
        f"pruned 1 one-minute bars older than {settings.market_minute_bar_retention_days} days"
    )
    async with sessionmaker() as db:
        left = (await db.execute(sa.select(BAR.c.span, BAR.c.starts_at).order_by("span"))).all()
    assert [tuple(row) for row in left] == [("1d", old), ("1m", recent)]
