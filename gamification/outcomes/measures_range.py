"""The date range a measure covers: `from` and `to` are days (inclusive) in the business time
zone; monthly measures cover every month the range touches."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from gamification.outcomes.measures_errors import InvalidRange
from gamification.outcomes.months import add_months, month_of, months_between

MAX_MONTHS = 36
DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class DateRange:
    first: date
    last: date

    @property
    def first_month(self) -> date:
        return month_of(self.first)

    @property
    def last_month(self) -> date:
        return month_of(self.last)

    def starts(self, zone: ZoneInfo) -> datetime:
        return datetime(self.first.year, self.first.month, self.first.day, tzinfo=zone)

    def ends(self, zone: ZoneInfo) -> datetime:
        """The instant after the last day."""
        after = self.last + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=zone)


def _day(value: str | None, field: str, errors: list[tuple[str, str]]) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append((field, "must be a date, YYYY-MM-DD"))
        return None


def parse_range(raw_from: str | None, raw_to: str | None, *, today: date) -> DateRange:
    """The range asked for; by default the twelve months up to today. 422 (`InvalidRange`) for a
    day that is not a date, `from` after `to`, or more than MAX_MONTHS months."""
    errors: list[tuple[str, str]] = []
    first, last = _day(raw_from, "from", errors), _day(raw_to, "to", errors)
    if errors:
        raise InvalidRange(errors)
    last = last or today
    first = first or add_months(month_of(last), 1 - DEFAULT_MONTHS)
    if first > last:
        raise InvalidRange([("from", "must not be after `to`")])
    if months_between(first, last) >= MAX_MONTHS:
        raise InvalidRange([("to", f"the range may cover at most {MAX_MONTHS} months")])
    return DateRange(first, last)
