"""Calendar days in a time zone: "today" for streaks, daily caps and daily attempt limits."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The zone `name`; `fallback` (the business zone, where it matters) when it is missing or
    unknown."""
    try:
        return ZoneInfo(name or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def local_day(now: datetime, timezone: str | None, fallback: str = "UTC") -> date:
    return now.astimezone(zone(timezone, fallback)).date()


def seconds_until_next_day(now: datetime, timezone: str | None, fallback: str = "UTC") -> int:
    """Seconds from `now` to the next local midnight (at least 1)."""
    tz = zone(timezone, fallback)
    local = now.astimezone(tz)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
    # Subtract in UTC: between datetimes of one zone Python subtracts wall times (DST-blind).
    return max(1, int((midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds() + 0.999))
