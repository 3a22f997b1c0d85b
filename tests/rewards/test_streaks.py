"""Streaks: active days on the learner's own calendar, freezes, milestones once per run."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from core.days import local_day
from gamification.rewards.service import Reward, Wallet, award_for_events, streak_view
from gamification.rewards.streaks import (
    MAX_FREEZES,
    Streak,
    record_active_day,
    streak_as_of,
)
from tests.factories import UserFactory
from tests.helpers import LoadRules, lesson_done

DAY = timedelta(days=1)
START = date(2026, 3, 2)


def run_of(days: list[date], streak: Streak | None = None) -> Streak:
    streak = streak or Streak()
    for day in days:
        streak = record_active_day(streak, day).streak
    return streak


def test_consecutive_days_grow_the_streak_and_a_second_activity_the_same_day_does_not() -> None:
    streak = run_of([START, START, START + DAY, START + 2 * DAY])
    assert (streak.current, streak.longest, streak.run_started_on) == (3, 3, START)
    again = record_active_day(streak, START + 2 * DAY)
    assert not again.counted
    assert again.streak == streak


def test_a_missed_day_without_a_freeze_starts_a_new_run_and_keeps_the_longest() -> None:
    streak = run_of([START, START + DAY, START + 2 * DAY, START + 4 * DAY])
    assert (streak.current, streak.longest, streak.run_started_on) == (1, 3, START + 4 * DAY)


def test_a_freeze_is_earned_every_seventh_day_and_at_most_two_are_held() -> None:
    days = [START + i * DAY for i in range(21)]
    updates = []
    streak = Streak()
    for day in days:
        update = record_active_day(streak, day)
        updates.append(update)
        streak = update.streak
    assert [i + 1 for i, u in enumerate(updates) if u.freezes_earned] == [7, 14]
    assert streak.freezes == MAX_FREEZES == 2
    assert [u.milestones for u in updates if u.milestones] == [(3,), (7,)]


def test_freezes_cover_missed_days_automatically_without_lengthening_the_streak() -> None:
    streak = run_of([START + i * DAY for i in range(14)])  # two freezes
    assert (streak.current, streak.freezes) == (14, 2)
    back = record_active_day(streak, START + 15 * DAY)  # missed one day
    assert (back.streak.current, back.streak.freezes, back.freezes_used) == (15, 1, 1)
    assert back.streak.run_started_on == START
    # Two missed days with one freeze left: the run ends, the freeze is kept.
    broken = record_active_day(back.streak, START + 18 * DAY)
    assert (broken.streak.current, broken.streak.freezes, broken.freezes_used) == (1, 1, 0)
    assert broken.streak.longest == 15


def test_the_streak_seen_today_accounts_for_freezes_and_breaks() -> None:
    streak = run_of([START + i * DAY for i in range(7)])  # one freeze, last active day 7
    last = START + 6 * DAY
    assert streak_as_of(streak, last) == streak_as_of(streak, last + DAY)
    assert (streak_as_of(streak, last + DAY).current, streak_as_of(streak, last + DAY).freezes) == (
        7,
        1,
    )
    # Day 8 missed, day 9 not over yet: the freeze will cover day 8.
    view = streak_as_of(streak, last + 2 * DAY)
    assert (view.current, view.freezes) == (7, 0)
    view = streak_as_of(streak, last + 3 * DAY)
    assert (view.current, view.longest, view.freezes) == (0, 7, 1)


def test_a_day_is_the_learners_calendar_day() -> None:
    moment = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 04:00 on the 3rd in Shanghai
    assert local_day(moment, "Asia/Shanghai", "Asia/Shanghai") == date(2026, 3, 3)
    assert local_day(moment, "America/New_York", "Asia/Shanghai") == date(2026, 3, 2)
    assert local_day(moment, "Not/AZone", "Asia/Shanghai") == date(2026, 3, 3)
    assert local_day(moment, "", "Europe/London") == date(2026, 3, 2)


@given(st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=60))
def test_streak_invariants_hold_for_any_pattern_of_days(gaps: list[int]) -> None:
    streak, day = Streak(), START
    for gap in gaps:
        day += gap * DAY
        before = streak
        update = record_active_day(streak, day)
        streak = update.streak
        assert 0 <= streak.freezes <= MAX_FREEZES
        assert streak.longest >= streak.current >= 1
        assert streak.longest >= before.longest
        if update.counted and before.last_active_on is not None:
            kept = streak.current == before.current + 1
            assert kept or streak.current == 1
            assert update.freezes_used == (max(0, gap - 1) if kept else 0)


# With the database: the same rules, through award_for_events.


async def active_at(
    db: AsyncSession, user_id: uuid.UUID, at: datetime, timezone: str
) -> tuple[list[Reward], Wallet]:
    return await award_for_events(
        db, user_id=user_id, timezone=timezone, events=[lesson_done(user_id, at)], now=at
    )


@pytest.mark.parametrize(
    ("timezone", "streak"),
    [("Asia/Shanghai", 2), ("America/New_York", 1)],
)
async def test_lessons_either_side_of_local_midnight_count_two_days(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules, timezone: str, streak: int
) -> None:
    """23:59 and 00:01 in Shanghai are two days there, but one afternoon in New York."""
    await load_rules()
    user = await user_factory(timezone=timezone)
    before_midnight = datetime(2026, 3, 2, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    await active_at(db, user.id, before_midnight, timezone)
    _, wallet = await active_at(db, user.id, before_midnight + timedelta(minutes=2), timezone)
    assert wallet.streak.current == streak


async def test_milestones_pay_once_per_run_and_again_in_a_new_run(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    noon = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    kinds = []
    for day in [0, 1, 2, 2, 5, 6, 7]:  # a 3-day run, a gap of two days, another 3-day run
        rewards, wallet = await active_at(db, user.id, noon + day * DAY, "Asia/Shanghai")
        kinds += [(day, r.kind, r.points) for r in rewards if r.kind.startswith("streak_")]
    assert kinds == [(2, "streak_3", 15), (7, "streak_3", 15)]
    assert (wallet.streak.current, wallet.streak.longest) == (3, 3)


async def test_the_wallet_streak_breaks_when_freezes_cannot_cover_the_missed_days(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    noon = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    for day in range(7):
        rewards, wallet = await active_at(db, user.id, noon + day * DAY, "Asia/Shanghai")
    assert [r.kind for r in rewards] == ["lesson_completed", "streak_7"]
    assert (wallet.streak.current, wallet.streak.freezes) == (7, 1)
    seen = await streak_view(db, user_id=user.id, timezone="Asia/Shanghai", now=noon + 8 * DAY)
    assert (seen.current, seen.freezes) == (7, 0)  # day 8 missed, covered by the freeze
    _, wallet = await active_at(db, user.id, noon + 8 * DAY, "Asia/Shanghai")
    assert (wallet.streak.current, wallet.streak.freezes) == (8, 0)
    seen = await streak_view(db, user_id=user.id, timezone="Asia/Shanghai", now=noon + 10 * DAY)
    assert (seen.current, seen.longest) == (0, 8)
