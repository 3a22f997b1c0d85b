"""The exchanges' trading calendar: is the market open at `t`, when does it next open, and which
trading day does `t` belong to. Pure, read from `seed/calendar/cn_a_share.yaml` once.

A moment's trading day is its local date while that date's last session has not closed, else
the next trading day: an order placed on Friday evening or on Saturday belongs to Monday (as a
broker's after-hours order does), so T+1 and "expires at the end of the trading day" need no
special cases for nights, weekends or holidays.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

CALENDAR_FILE = Path(__file__).resolve().parents[2] / "seed" / "calendar" / "cn_a_share.yaml"
# No exchange closes for longer than this (the Spring Festival with its weekends is ~9 days).
MAX_CLOSED_DAYS = 31
# A year's closures are `confirmed` once the State Council and the exchanges publish them;
# until then they are `provisional` (derived from the festival dates).
YEAR_STATUSES = frozenset({"confirmed", "provisional"})


class CalendarFileError(ValueError):
    """The calendar file is malformed; the message says where."""


@dataclass(frozen=True)
class Session:
    open: time
    close: time


@dataclass(frozen=True)
class TradingCalendar:
    timezone: ZoneInfo
    sessions: tuple[Session, ...]  # in order, not overlapping
    closed_days: frozenset[date]  # weekdays the exchanges do not open
    years: frozenset[int]  # years whose closures are listed; others are "weekdays only"
    provisional_years: frozenset[int] = frozenset()  # listed, not yet confirmed by the exchanges

    def is_provisional(self, day: date) -> bool:
        """Whether `day`'s closures are a forecast: its year is provisional or not listed."""
        return day.year in self.provisional_years or day.year not in self.years

    def is_trading_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.closed_days

    def is_open(self, t: datetime) -> bool:
        local = t.astimezone(self.timezone)
        if not self.is_trading_day(local.date()):
            return False
        now = local.time()
        return any(session.open <= now < session.close for session in self.sessions)

    def next_open(self, t: datetime) -> datetime:
        """The first session start strictly after `t` (while open, the next session's)."""
        local = t.astimezone(self.timezone)
        day = local.date()
        for _ in range(MAX_CLOSED_DAYS + 1):
            if self.is_trading_day(day):
                for session in self.sessions:
                    start = datetime.combine(day, session.open, tzinfo=self.timezone)
                    if start > local:
                        return start
            day += timedelta(days=1)
        raise CalendarFileError(f"no session within {MAX_CLOSED_DAYS} days after {t}")

    def trading_day(self, t: datetime) -> date:
        """The trading day `t` belongs to: today until the close, else the next trading day."""
        local = t.astimezone(self.timezone)
        day = local.date()
        if self.is_trading_day(day) and local.time() < self.sessions[-1].close:
            return day
        return self.next_trading_day(day)

    def next_trading_day(self, day: date) -> date:
        for _ in range(MAX_CLOSED_DAYS + 1):
            day += timedelta(days=1)
            if self.is_trading_day(day):
                return day
        raise CalendarFileError(f"no trading day within {MAX_CLOSED_DAYS} days after {day}")

    def previous_trading_day(self, day: date) -> date:
        for _ in range(MAX_CLOSED_DAYS + 1):
            day -= timedelta(days=1)
            if self.is_trading_day(day):
                return day
        raise CalendarFileError(f"no trading day within {MAX_CLOSED_DAYS} days before {day}")

    def close_of(self, day: date) -> datetime:
        """When trading day `day` ends (its last session's close), timezone-aware."""
        return datetime.combine(day, self.sessions[-1].close, tzinfo=self.timezone)


def parse_calendar(document: Mapping[str, Any]) -> TradingCalendar:
    """Build a calendar from the YAML document; `CalendarFileError` names what is wrong."""
    try:
        zone = ZoneInfo(str(document["timezone"]))
        sessions = tuple(
            Session(time.fromisoformat(s["open"]), time.fromisoformat(s["close"]))
            for s in document["sessions"]
        )
        years: Mapping[int, Any] = document["years"]
        closed = {_weekday(entry["date"]) for year in years.values() for entry in year["closed"]}
        statuses = {int(number): str(year["status"]) for number, year in years.items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise CalendarFileError(f"calendar file: {type(exc).__name__}: {exc}") from exc
    if not sessions or any(
        s.open >= s.close or (i and sessions[i - 1].close > s.open) for i, s in enumerate(sessions)
    ):
        raise CalendarFileError("calendar file: sessions must be in order and not overlap")
    if any(day.year not in years for day in closed):
        raise CalendarFileError("calendar file: a closed day is listed under another year")
    if unknown := sorted(y for y, status in statuses.items() if status not in YEAR_STATUSES):
        raise CalendarFileError(
            f"calendar file: years {unknown}: status must be one of {sorted(YEAR_STATUSES)}"
        )
    provisional = frozenset(y for y, status in statuses.items() if status == "provisional")
    return TradingCalendar(
        zone, sessions, frozenset(closed), frozenset(statuses), provisional_years=provisional
    )


def _weekday(value: object) -> date:
    if not isinstance(value, date) or value.weekday() >= 5:
        raise ValueError(f"{value!r} is not a weekday date (weekends are always closed)")
    return value


def load_calendar(path: Path) -> TradingCalendar:
    with path.open(encoding="utf-8") as handle:
        return parse_calendar(yaml.safe_load(handle))


@cache
def market_calendar() -> TradingCalendar:
    """The shipped calendar, read once per process."""
    return load_calendar(CALENDAR_FILE)


__all__ = [
    "CalendarFileError",
    "Session",
    "TradingCalendar",
    "load_calendar",
    "market_calendar",
    "parse_calendar",
]
