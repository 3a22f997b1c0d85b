"""Learner days: "today" is the calendar day in the learner's own time zone."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FALLBACK_TIMEZONE = "Asia/Shanghai"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(FALLBACK_TIMEZONE)


def local_day(now: datetime, timezone: str) -> date:
    return now.astimezone(zone(timezone)).date()


def seconds_until_next_day(now: datetime, timezone: str) -> int:
    """Seconds from `now` to the next local midnight (at least 1)."""
    tz = zone(timezone)
    local = now.astimezone(tz)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
    # Subtract in UTC: between datetimes of one zone Python subtracts wall times (DST-blind).
    return max(1, int((midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds() + 0.999))
