"""League weeks: Monday 00:00 to Monday 00:00 in the business time zone. Pure."""

from datetime import UTC, date, datetime, time, timedelta

from core.days import zone


def week_start(now: datetime, business_timezone: str) -> date:
    day = now.astimezone(zone(business_timezone)).date()
    return day - timedelta(days=day.weekday())


def week_ends_at(start: date, business_timezone: str) -> datetime:
    """The moment the week starting `start` ends, in UTC."""
    end = datetime.combine(start + timedelta(days=7), time(0), tzinfo=zone(business_timezone))
    return end.astimezone(UTC)
