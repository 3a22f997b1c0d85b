"""The trading calendar: sessions, weekends, the 2026 and 2027 holidays, next open, trading day."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gamification.contests.calendar import CalendarFileError, market_calendar, parse_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = market_calendar()


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at("2026-12-01", "09:29:59"), False),
        (at("2026-12-01", "09:30:00"), True),
        (at("2026-12-01", "11:29:59"), True),
        (at("2026-12-01", "11:30:00"), False),  # lunch break
        (at("2026-12-01", "13:00:00"), True),
        (at("2026-12-01", "14:59:59"), True),
        (at("2026-12-01", "15:00:00"), False),
        (at("2026-12-05", "10:00:00"), False),  # Saturday
        (at("2026-10-05", "10:00:00"), False),  # National Day
        (at("2026-02-14", "10:00:00"), False),  # a Saturday made a working day: exchanges shut
        (at("2027-02-10", "10:00:00"), False),  # Spring Festival 2027
        (at("2027-02-15", "10:00:00"), True),
    ],
)
def test_market_is_open_only_in_sessions_on_trading_days(moment: datetime, open_: bool) -> None:
    assert CAL.is_open(moment) is open_


def test_utc_moments_are_read_in_shanghai_time() -> None:
    assert CAL.is_open(datetime(2026, 12, 1, 1, 30, tzinfo=UTC))  # 09:30 in Shanghai
    assert not CAL.is_open(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))  # 15:00 in Shanghai


def test_next_open_skips_lunch_nights_weekends_and_holidays() -> None:
    assert CAL.next_open(at("2026-12-01", "08:00")) == at("2026-12-01", "09:30")
    assert CAL.next_open(at("2026-12-01", "10:00")) == at("2026-12-01", "13:00")
    assert CAL.next_open(at("2026-12-04", "15:00")) == at("2026-12-07", "09:30")  # Fri → Mon
    assert CAL.next_open(at("2026-09-30", "15:30")) == at("2026-10-08", "09:30")  # Golden Week
    assert CAL.next_open(at("2026-02-13", "16:00")) == at("2026-02-24", "09:30")  # Spring Fest.


def test_trading_day_rolls_after_the_close_and_over_closed_days() -> None:
    assert CAL.trading_day(at("2026-12-04", "14:59")) == date(2026, 12, 4)
    assert CAL.trading_day(at("2026-12-04", "15:00")) == date(2026, 12, 7)  # Friday evening
    assert CAL.trading_day(at("2026-12-05", "10:00")) == date(2026, 12, 7)  # Saturday
    assert CAL.trading_day(at("2026-12-07", "08:00")) == date(2026, 12, 7)  # before the open
    assert CAL.trading_day(at("2026-04-03", "15:01")) == date(2026, 4, 7)  # Qingming Monday
    assert CAL.trading_day(at("2027-01-01", "10:00")) == date(2027, 1, 4)


def test_previous_and_next_trading_day_and_close() -> None:
    assert CAL.previous_trading_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert CAL.next_trading_day(date(2026, 12, 31)) == date(2027, 1, 4)
    assert CAL.close_of(date(2026, 12, 1)) == at("2026-12-01", "15:00")


def test_both_years_are_listed_with_their_holidays() -> None:
    assert {2026, 2027} <= CAL.years
    for year in (2026, 2027):
        closed = [d for d in CAL.closed_days if d.year == year]
        assert len(closed) >= 15, year  # seven festivals, most several days long


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 20)))
def test_next_open_is_open_and_trading_day_is_a_trading_day(naive: datetime) -> None:
    moment = naive.replace(tzinfo=SHANGHAI)
    opening = CAL.next_open(moment)
    assert opening > moment
    assert CAL.is_open(opening)
    assert not CAL.is_open(opening - timedelta(seconds=1))
    day = CAL.trading_day(moment)
    assert CAL.is_trading_day(day)
    assert day >= moment.date()
    if CAL.is_open(moment):
        assert day == moment.date()


def test_a_holiday_on_a_weekend_is_refused() -> None:
    document = {
        "timezone": "Asia/Shanghai",
        "sessions": [{"open": "09:30", "close": "11:30"}],
        "years": {2026: {"closed": [{"date": date(2026, 12, 5), "name": "Saturday"}]}},
    }
    with pytest.raises(CalendarFileError, match="weekday"):
        parse_calendar(document)


def test_overlapping_sessions_are_refused() -> None:
    document = {
        "timezone": "Asia/Shanghai",
        "sessions": [{"open": "09:30", "close": "13:30"}, {"open": "13:00", "close": "15:00"}],
        "years": {},
    }
    with pytest.raises(CalendarFileError, match="overlap"):
        parse_calendar(document)


def test_2027_is_provisional_until_the_exchanges_confirm_it() -> None:
    assert CAL.provisional_years == {2027}
    assert not CAL.is_provisional(date(2026, 10, 1))
    assert CAL.is_provisional(date(2027, 10, 1))
    assert CAL.is_provisional(date(2028, 1, 3))  # not listed at all: weekdays only, a forecast


def test_a_year_without_a_known_status_is_refused() -> None:
    document = {
        "timezone": "Asia/Shanghai",
        "sessions": [{"open": "09:30", "close": "11:30"}],
        "years": {2026: {"status": "likely", "closed": []}},
    }
    with pytest.raises(CalendarFileError, match="status must be one of"):
        parse_calendar(document)
