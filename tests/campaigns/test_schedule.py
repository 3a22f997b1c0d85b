"""Campaign timing without the database: cron in a named zone (with and without daylight
saving), closed exchange days skipped, lifecycle slots, quiet hours."""

from datetime import UTC, datetime, timedelta

import pytest

from gamification.campaigns.crontab import cron_trigger
from gamification.campaigns.schedule import LIFECYCLE_SLOT, Schedule, held_until
from gamification.contests.calendar import market_calendar

CALENDAR = market_calendar()


def firings(schedule: Schedule, now: datetime, count: int) -> list[datetime]:
    first = schedule.first_run(now, CALENDAR)
    out: list[datetime] = []
    at = first
    while at is not None and len(out) < count:
        out.append(at)
        at = schedule.after(at, at, CALENDAR)
    return out


def test_cron_in_shanghai_fires_at_local_nine() -> None:
    schedule = Schedule(
        timezone="Asia/Shanghai", starts_at=datetime(2026, 3, 2, tzinfo=UTC), cron="0 9 * * *"
    )
    times = firings(schedule, datetime(2026, 3, 2, 0, 0, tzinfo=UTC), 3)
    assert times == [datetime(2026, 3, 2, 1, 0, tzinfo=UTC) + timedelta(days=d) for d in range(3)]


def test_cron_in_new_york_keeps_local_nine_across_the_daylight_saving_change() -> None:
    # Clocks go forward on Sunday 8 March 2026: 09:00 is 14:00 UTC before, 13:00 UTC after.
    schedule = Schedule(
        timezone="America/New_York", starts_at=datetime(2026, 3, 6, tzinfo=UTC), cron="0 9 * * *"
    )
    times = firings(schedule, datetime(2026, 3, 6, tzinfo=UTC), 4)
    assert [t.hour for t in times] == [14, 14, 13, 13]
    assert [t.day for t in times] == [6, 7, 8, 9]


def test_skip_closed_days_passes_over_the_spring_festival_week() -> None:
    # Weekdays at 09:00 Shanghai from Friday 13 February 2026: the exchanges close 16-20 and 23.
    schedule = Schedule(
        timezone="Asia/Shanghai",
        starts_at=datetime(2026, 2, 12, tzinfo=UTC),
        cron="0 9 * * *",
        skip_closed_days=True,
    )
    times = firings(schedule, datetime(2026, 2, 12, 12, tzinfo=UTC), 3)
    assert [t.astimezone(CALENDAR.timezone).date().isoformat() for t in times] == [
        "2026-02-13",
        "2026-02-24",
        "2026-02-25",
    ]


def test_a_cron_past_the_window_has_no_run() -> None:
    schedule = Schedule(
        timezone="Asia/Shanghai",
        starts_at=datetime(2026, 3, 2, tzinfo=UTC),
        ends_at=datetime(2026, 3, 3, tzinfo=UTC),
        cron="0 0 31 2 *",
    )
    assert schedule.first_run(datetime(2026, 3, 2, tzinfo=UTC), CALENDAR) is None


def test_lifecycle_slots_follow_one_another() -> None:
    schedule = Schedule(timezone="UTC", starts_at=datetime(2026, 3, 2, tzinfo=UTC), lifecycle=True)
    first = schedule.first_run(datetime(2026, 3, 2, 10, 7, tzinfo=UTC), CALENDAR)
    assert first == datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
    assert schedule.after(first, first + timedelta(hours=2), CALENDAR) == first + LIFECYCLE_SLOT


def test_quiet_hours_hold_messages_until_eight_in_the_learners_zone() -> None:
    late = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    assert held_until(late, "Asia/Shanghai") == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    early = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)  # 05:00 in Shanghai
    assert held_until(early, "Asia/Shanghai") == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert held_until(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), "Asia/Shanghai") is None
    assert held_until(late, "Europe/London") is None  # 15:00 in London


def test_cron_weekdays_count_from_sunday_as_in_crontab() -> None:
    monday = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
    fired = {
        expression: cron_trigger(expression, "UTC").get_next_fire_time(None, monday)
        for expression in ("0 9 * * 1", "0 9 * * 0", "0 9 * * 7", "0 9 * * 5-7", "0 9 * * */2")
    }
    assert {e: f.strftime("%a %d") for e, f in fired.items() if f is not None} == {
        "0 9 * * 1": "Mon 02",
        "0 9 * * 0": "Sun 08",
        "0 9 * * 7": "Sun 08",
        "0 9 * * 5-7": "Fri 06",
        "0 9 * * */2": "Tue 03",  # Sunday, Tuesday, Thursday, Saturday
    }


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("0 9 * * 8", "is not 0-7"),
        ("0 9 * * 5-1", "runs backwards"),
        ("0 9 * * someday", "is not 0-7"),
        ("0 9 * * 1/0", "is not positive"),
    ],
)
def test_a_weekday_field_that_names_no_day_is_refused(expression: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        cron_trigger(expression, "UTC")
