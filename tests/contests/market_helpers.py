"""Loading the shipped instruments into a test's database, for every contests test."""

from pathlib import Path

import yaml
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from gamification.contests.calendar import market_calendar
from gamification.contests.instruments import InstrumentFile, load_instruments, parse_instruments

INSTRUMENTS_FILE = Path(__file__).resolve().parents[2] / "seed" / "instruments.yaml"


def shipped_instruments() -> InstrumentFile:
    return parse_instruments(yaml.safe_load(INSTRUMENTS_FILE.read_text(encoding="utf-8")))


async def load_market(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    """The shipped instruments with quotes at their reference prices, and the index."""
    async with sessionmaker.begin() as db:
        await load_instruments(
            db, shipped_instruments(), now=clock.now(), calendar=market_calendar()
        )
