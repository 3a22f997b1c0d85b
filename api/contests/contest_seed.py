"""The contest seed: `seed/contests.yaml`, a standing practice arena open to everyone and the
month's contest in exchange hours (format explained in the file)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import SystemClock
from gamification.contests.calendar import TradingCalendar, market_calendar
from gamification.contests.definitions import ContestDraft, create_contest
from gamification.contests.models import Contest

SEED_FILE = "contests.yaml"
PLAIN = ("market_hours", "ranking", "min_round_trips", "min_trading_days", "prizes")
DECIMALS = ("starting_cash", "concentration_cap_pct")


def month_window(calendar: TradingCalendar, now: datetime) -> tuple[datetime, datetime]:
    """From the first trading day's open to the last trading day's close of `now`'s month, or of
    the next month once this one has closed."""
    local = now.astimezone(calendar.timezone).date()
    first = local.replace(day=1)
    opens, closes = _month_bounds(calendar, first)
    if closes <= now:
        opens, closes = _month_bounds(calendar, (first + timedelta(days=32)).replace(day=1))
    return opens, closes


def _month_bounds(calendar: TradingCalendar, first: date) -> tuple[datetime, datetime]:
    next_month = (first + timedelta(days=32)).replace(day=1)
    opening_day = first if calendar.is_trading_day(first) else calendar.next_trading_day(first)
    last_day = calendar.previous_trading_day(next_month)
    opens = datetime.combine(opening_day, calendar.sessions[0].open, tzinfo=calendar.timezone)
    return opens, calendar.close_of(last_day)


def draft_of_seed(spec: dict[str, Any], calendar: TradingCalendar, now: datetime) -> ContestDraft:
    if spec["window"] == "month":
        starts_at, ends_at = month_window(calendar, now)
    else:
        starts_at, ends_at = now, datetime.fromisoformat(spec["ends_at"])
    month = f"{starts_at.astimezone(calendar.timezone):%Y-%m}"
    fields: dict[str, Any] = {name: spec[name] for name in PLAIN if name in spec}
    fields |= {name: Decimal(str(spec[name])) for name in DECIMALS if name in spec}
    return ContestDraft(
        title_zh=spec["title"]["zh-CN"].format(month=month),
        title_en=spec["title"]["en"].format(month=month),
        starts_at=starts_at,
        ends_at=ends_at,
        **fields,
    )


async def seed_contests_loaded(db: AsyncSession) -> bool:
    return bool(await db.scalar(sa.select(sa.exists().where(col(Contest.created_by).is_(None)))))


async def load_seed_contests(db: AsyncSession, seed_dir: Path) -> str:
    """Create each seed contest whose English title is not taken yet."""
    document = yaml.safe_load((seed_dir / SEED_FILE).read_text(encoding="utf-8"))
    now, calendar = SystemClock().now(), market_calendar()
    drafts = [draft_of_seed(spec, calendar, now) for spec in document["contests"]]
    taken = set(
        await db.scalars(
            sa.select(col(Contest.title_en)).where(
                col(Contest.title_en).in_([draft.title_en for draft in drafts])
            )
        )
    )
    created = 0
    for draft in drafts:
        if draft.title_en not in taken:
            await create_contest(db, draft, created_by=None, now=now)
            created += 1
    return f"{created} contests created, {len(drafts) - created} already there"
