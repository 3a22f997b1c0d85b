"""Streak extras: a repair within a day of the break, once a month, for points; a vacation
pause whose days neither break nor lengthen the streak."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.ledger.operations import earn
from gamification.rewards.streaking import lock_streak, write_streak
from gamification.rewards.streaks import (
    Streak,
    StreakRefusal,
    paused,
    record_active_day,
    repaired,
    streak_as_of,
)
from tests.factories import TestUser, UserFactory

MARCH_2 = date(2026, 3, 2)
RUN = Streak(
    current=5, longest=5, freezes=0, last_active_on=MARCH_2, run_started_on=date(2026, 2, 26)
)


def test_a_streak_broken_at_the_start_of_today_can_be_repaired_and_goes_on() -> None:
    today = MARCH_2 + timedelta(days=2)  # 3 March missed: broke at 00:00 on the 4th
    assert streak_as_of(RUN, today).current == 0
    fixed = repaired(RUN, today)
    assert streak_as_of(fixed, today).current == 5
    assert record_active_day(fixed, today).streak.current == 6


@pytest.mark.parametrize(
    ("streak", "today", "reason"),
    [
        (RUN, MARCH_2 + timedelta(days=1), "not-broken"),  # yesterday was active
        (Streak(), MARCH_2, "not-broken"),  # no streak yet
        (RUN, MARCH_2 + timedelta(days=3), "too-late"),
        (
            replace(RUN, repaired_on=date(2026, 3, 1)),
            MARCH_2 + timedelta(days=2),
            "used-this-month",
        ),
    ],
)
def test_a_repair_is_refused_with_its_reason(streak: Streak, today: date, reason: str) -> None:
    with pytest.raises(StreakRefusal) as refused:
        repaired(streak, today)
    assert refused.value.reason == reason


def test_paused_days_neither_break_nor_lengthen_the_streak() -> None:
    held = paused(RUN, MARCH_2 + timedelta(days=1), 5)  # 3 to 7 March
    back = MARCH_2 + timedelta(days=6)  # 8 March
    assert streak_as_of(held, back).current == 5
    assert record_active_day(held, back).streak.current == 6
    assert streak_as_of(held, back + timedelta(days=2)).current == 0  # the 8th missed after
    with pytest.raises(StreakRefusal):
        paused(held, MARCH_2 + timedelta(days=3), 2)


async def _with_streak(
    sessionmaker: async_sessionmaker[AsyncSession],
    learner: TestUser,
    streak: Streak,
    points: int,
    now: datetime,
) -> None:
    async with sessionmaker.begin() as db:
        await lock_streak(db, learner.id, now=now)  # creates the row
        await write_streak(db, learner.id, streak, now=now)
        if points:
            await earn(
                db,
                user_id=learner.id,
                points=points,
                xp=0,
                key=f"test:{learner.id}",
                reference="test",
                reason={"code": "test"},
                now=now,
            )


async def test_repairing_costs_points_once_and_shows_in_the_wallet(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
) -> None:
    learner = await user_factory()
    broken = Streak(5, 5, 0, date(2026, 2, 28), date(2026, 2, 24))  # 1 March missed
    await _with_streak(sessionmaker, learner, broken, 250, clock.now())
    response = await client.post("/v1/me/streak/repair", headers=learner.headers)
    assert response.status_code == 200
    assert response.json()["points"] == 50
    assert response.json()["streak"]["current"] == 5
    again = await client.post("/v1/me/streak/repair", headers=learner.headers)
    assert again.status_code == 409
    assert again.json()["type"].endswith("streak-not-broken")


async def test_repairing_without_the_points_is_409_and_changes_nothing(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
) -> None:
    learner = await user_factory()
    broken = Streak(5, 5, 0, date(2026, 2, 28), date(2026, 2, 24))
    await _with_streak(sessionmaker, learner, broken, 100, clock.now())
    response = await client.post("/v1/me/streak/repair", headers=learner.headers)
    assert response.status_code == 409
    assert response.json()["type"].endswith("insufficient-points")
    wallet = (await client.get("/v1/me/wallet", headers=learner.headers)).json()
    assert (wallet["points"], wallet["streak"]["current"]) == (100, 0)


async def test_pausing_is_1_to_14_days_and_not_twice_at_once(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    learner = await user_factory()
    for days in (0, 15):
        refused = await client.post(
            "/v1/me/streak/pause", json={"days": days}, headers=learner.headers
        )
        assert refused.status_code == 422
    response = await client.post("/v1/me/streak/pause", json={"days": 3}, headers=learner.headers)
    assert response.status_code == 200
    assert response.json()["paused_from"] == "2026-03-02"
    assert response.json()["paused_until"] == "2026-03-04"
    again = await client.post("/v1/me/streak/pause", json={"days": 3}, headers=learner.headers)
    assert again.status_code == 409
    assert again.json()["type"].endswith("streak-already-paused")
    assert "2026-03-04" in again.json()["detail"]
