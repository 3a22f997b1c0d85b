"""The contest seed: a standing practice arena open to everyone, and the month's contest in
exchange hours; loading again creates nothing."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.contests.contest_seed import month_window
from api.seed import load_seed
from gamification.contests.calendar import market_calendar
from gamification.contests.models import Contest


def test_the_month_runs_from_its_first_open_to_its_last_close() -> None:
    calendar = market_calendar()
    opens, closes = month_window(calendar, datetime(2026, 10, 15, 4, tzinfo=UTC))
    # 1-7 October 2026 is the National Day holiday; the 30th is a Friday.
    assert opens.isoformat() == "2026-10-08T09:30:00+08:00"
    assert closes.isoformat() == "2026-10-30T15:00:00+08:00"


def test_after_the_last_close_the_window_is_next_months() -> None:
    opens, _ = month_window(market_calendar(), datetime(2026, 10, 30, 8, tzinfo=UTC))
    assert opens.isoformat() == "2026-11-02T09:30:00+08:00"


async def test_the_seed_creates_the_arena_and_the_monthly_contest_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async def contests_line(**options: bool) -> str:
        lines = await load_seed(sessionmaker, **options)
        return next(line for line in lines if line.startswith("contests: "))

    assert await contests_line(only_missing=True) == (
        "contests: 2 contests created, 0 already there"
    )
    assert await contests_line(only_missing=True) == "contests: already loaded"
    assert await contests_line() == "contests: 0 contests created, 2 already there"
    async with sessionmaker() as db:
        rows = (await db.scalars(sa.select(Contest).order_by(Contest.ends_at))).all()  # type: ignore[arg-type]
    monthly, arena = rows
    assert (arena.market_hours, arena.title_en) == ("always", "Practice arena")
    assert arena.starts_at <= datetime.now(UTC) < arena.ends_at
    assert monthly.market_hours == "exchange"
    assert (monthly.min_round_trips, monthly.min_trading_days) == (3, 3)
    assert monthly.prizes[0] == {"rank_from": 1, "rank_to": 1, "points": 1000}
