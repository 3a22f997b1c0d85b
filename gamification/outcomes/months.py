"""Calendar months in the business time zone: the grain of every rolled-up measure."""

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """Whole months from `first`'s month to `last`'s (0 for the same month)."""
    return (last.year - first.year) * 12 + last.month - first.month


def each_month(first: date, last: date) -> Iterator[date]:
    """The first day of every month from `first`'s to `last`'s, both included."""
    month = month_of(first)
    while month <= last:
        yield month
        month = add_months(month, 1)


def local_month(moment: datetime, zone: ZoneInfo) -> date:
    return month_of(moment.astimezone(zone).date())


def month_start(month: date, zone: ZoneInfo) -> datetime:
    """The instant the month begins in `zone`."""
    return datetime(month.year, month.month, 1, tzinfo=zone)
