"""The instrument seed: `seed/instruments.yaml` (format and fields explained in the file)."""

from pathlib import Path

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import SystemClock
from gamification.contests.calendar import market_calendar
from gamification.contests.instruments import (
    instruments_exist,
    load_instruments,
    parse_instruments,
)

SEED_FILE = "instruments.yaml"


async def seed_instruments_loaded(db: AsyncSession) -> bool:
    return await instruments_exist(db)


async def load_seed_instruments(db: AsyncSession, seed_dir: Path) -> str:
    """Add new instruments and update the rest; quotes already moving are left alone."""
    document = yaml.safe_load((seed_dir / SEED_FILE).read_text(encoding="utf-8"))
    parsed = parse_instruments(document)
    count = await load_instruments(db, parsed, now=SystemClock().now(), calendar=market_calendar())
    return f"{count} instruments"
