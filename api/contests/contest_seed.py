"""The contest seed: `seed/contests.yaml`, a standing practice arena open to everyone and the
month's contest in exchange hours (format explained in the file). The `month` entries are also
templates: a daily job creates the coming month's contest from them ahead of its start, so
learners can join before it opens."""

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
CREATING_LOCK_KEY = 0x1A7E_0C12  # held while seed contests are created
_CREATING = sa.text("SELECT pg_advisory_xact_lock(:key)")
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


def next_month_window(calendar: TradingCalendar, now: datetime) -> tuple[datetime, datetime]:
    """The window of the month after `month_window`'s."""
    opens, _ = month_window(calendar, now)
    first = opens.astimezone(calendar.timezone).date().replace(day=1)
    return _month_bounds(calendar, (first + timedelta(days=32)).replace(day=1))


def draft_of_seed(
    spec: dict[str, Any],
    calendar: TradingCalendar,
    now: datetime,
    window: tuple[datetime, datetime] | None = None,
) -> ContestDraft:
    """The contest `spec` describes; a `month` one in `window` (default: `month_window`)."""
    if spec["window"] == "month":
        starts_at, ends_at = window or month_window(calendar, now)
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


def _read(seed_dir: Path) -> list[dict[str, Any]]:
    document = yaml.safe_load((seed_dir / SEED_FILE).read_text(encoding="utf-8"))
    specs: list[dict[str, Any]] = document["contests"]
    return specs


async def _create_missing(db: AsyncSession, drafts: list[ContestDraft], now: datetime) -> int:
    """Create each draft whose English title is not taken yet; how many were created. Seed
    loads and the monthly job take turns (a transaction-scoped lock), so none creates twice."""
    await db.execute(_CREATING, {"key": CREATING_LOCK_KEY})
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
    return created


async def load_seed_contests(db: AsyncSession, seed_dir: Path) -> str:
    """Create each seed contest whose English title is not taken yet."""
    now, calendar = SystemClock().now(), market_calendar()
    drafts = [draft_of_seed(spec, calendar, now) for spec in _read(seed_dir)]
    created = await _create_missing(db, drafts, now)
    return f"{created} contests created, {len(drafts) - created} already there"


async def create_monthly_contests(
    db: AsyncSession, seed_dir: Path, *, now: datetime, calendar: TradingCalendar
) -> int:
    """From each `month` template, this month's contest and the next month's, where missing
    (found by their English titles, which name the month); how many were created."""
    windows = (month_window(calendar, now), next_month_window(calendar, now))
    drafts = [
        draft_of_seed(spec, calendar, now, window)
        for spec in _read(seed_dir)
        if spec["window"] == "month"
        for window in windows
    ]
    return await _create_missing(db, drafts, now)
