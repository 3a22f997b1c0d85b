"""Learning effect: one entrant completes the risk-and-diversification course in the middle of a
February contest, another never does; their fills and daily equity make exact figures."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.contests.standings_models import EquitySnapshot
from gamification.outcomes.rollup_learning import COURSE_SLUG
from tests.contests.standings_data import contest, entry, fills
from tests.factories import UserFactory
from tests.outcomes.measure_helpers import at, rolled_up

FEBRUARY = {"from": "2026-02-01", "to": "2026-02-28"}


async def complete_course(db: AsyncSession, user_id: uuid.UUID, when: datetime) -> None:
    await db.execute(
        sa.text(
            "INSERT INTO course_course (id, slug, created_at) VALUES (:id, :slug, :at)"
            " ON CONFLICT (slug) DO NOTHING"
        ),
        {"id": uuid.uuid4(), "slug": COURSE_SLUG, "at": when},
    )
    await db.execute(
        sa.text(
            "INSERT INTO course_progress (user_id, course_id, started_at, updated_at,"
            " completed_at) SELECT :user, id, :at, :at, :at FROM course_course WHERE slug = :slug"
        ),
        {"user": user_id, "at": when, "slug": COURSE_SLUG},
    )


def fill(symbol: str, quantity: int, price: str, day: str) -> dict[str, Any]:
    when = at(day, 10)
    return {
        "symbol": symbol,
        "quantity": quantity,
        "price": price,
        "side": "buy",
        "day": when.date(),
        "at": when,
    }


def snapshots(db: AsyncSession, row: Any, equities: dict[str, str]) -> None:
    for day, equity in equities.items():
        db.add(
            EquitySnapshot(
                entry_id=row.id,
                trading_day=at(day).date(),
                contest_id=row.contest_id,
                equity=Decimal(equity),
                taken_at=at(day, 15),
            )
        )


async def test_learning_effect_compares_before_after_and_never(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    staff = await user_factory(roles=("admin",))
    learner, other = await user_factory(), await user_factory()
    async with sessionmaker.begin() as db:
        february = await contest(
            db,
            clock.now(),
            starts_at=at("2026-02-02", 9),
            ends_at=at("2026-02-27", 15),
            registration_ends_at=at("2026-02-27", 15),
        )
        mine = await entry(db, february, learner.id, joined_at=at("2026-02-02", 9))
        theirs = await entry(db, february, other.id, joined_at=at("2026-02-02", 9))
        await complete_course(db, learner.id, at("2026-02-14"))
        await fills(
            db,
            mine,
            [
                fill("600000.SH", 1000, "10.000", "2026-02-03"),  # before: one holding
                fill("000001.SZ", 500, "20.000", "2026-02-20"),  # after: two, 2:1
                fill("600000.SH", 1000, "10.000", "2026-02-21"),
            ],
        )
        await fills(db, theirs, [fill("600000.SH", 5000, "10.000", "2026-02-04")])
        snapshots(
            db,
            mine,
            {
                "2026-02-05": "1000000",
                "2026-02-10": "900000",  # 10% under the peak, before the course
                "2026-02-17": "1000000",
                "2026-02-18": "980000",  # 2% under the new window's peak
            },
        )
        snapshots(db, theirs, {"2026-02-05": "1000000", "2026-02-06": "950000"})
    await rolled_up(sessionmaker, clock)
    response = await client.get(
        "/v1/admin/outcomes/learning-effect", params=FEBRUARY, headers=staff.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == [
        "group",
        "entries",
        "holdings",
        "largest_position_pct",
        "turnover",
        "max_drawdown_pct",
    ]
    assert body["rows"] == [
        # turnover per 30 days: 0.01 over 12.1 days, 0.02 over 13.1, 0.05 over 25.3
        ["before", 1, 1.0, 100.0, 0.02, 10.0],
        ["after", 1, 2.0, 66.7, 0.05, 2.0],
        ["never", 1, 1.0, 100.0, 0.06, 5.0],
    ]
    march = await client.get(
        "/v1/admin/outcomes/learning-effect",
        params={"from": "2026-03-01", "to": "2026-03-02"},
        headers=staff.headers,
    )
    assert [row[1] for row in march.json()["rows"]] == [0, 0, 0]  # the contest had ended


async def test_a_later_completion_moves_past_entries_from_never_to_before(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    staff = await user_factory(roles=("marketer",))
    learner = await user_factory()
    async with sessionmaker.begin() as db:
        february = await contest(
            db,
            clock.now(),
            starts_at=at("2026-02-02", 9),
            ends_at=at("2026-02-27", 15),
            registration_ends_at=at("2026-02-27", 15),
        )
        mine = await entry(db, february, learner.id, joined_at=at("2026-02-02", 9))
        await fills(db, mine, [fill("600000.SH", 1000, "10.000", "2026-02-03")])
    await rolled_up(sessionmaker, clock)

    async def groups() -> list[int]:
        answer = await client.get(
            "/v1/admin/outcomes/learning-effect", params=FEBRUARY, headers=staff.headers
        )
        return [row[1] for row in answer.json()["rows"]]

    assert await groups() == [0, 0, 1]
    async with sessionmaker.begin() as db:
        await complete_course(db, learner.id, clock.now())  # after the contest ended
    await rolled_up(sessionmaker, clock)  # the daily run: not a rebuild
    assert await groups() == [1, 0, 0]


async def test_a_window_of_minutes_counts_as_a_day_for_turnover(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    staff = await user_factory(roles=("admin",))
    learner = await user_factory()
    start = at("2026-02-02", 9)
    async with sessionmaker.begin() as db:
        february = await contest(
            db,
            clock.now(),
            starts_at=start,
            ends_at=at("2026-02-27", 15),
            registration_ends_at=at("2026-02-27", 15),
        )
        mine = await entry(db, february, learner.id, joined_at=start)
        await complete_course(db, learner.id, start + timedelta(minutes=5))
        when = start + timedelta(minutes=1)
        trade = {"symbol": "600000.SH", "quantity": 1000, "price": "10.000", "side": "buy"}
        await fills(db, mine, [{**trade, "day": when.date(), "at": when}])
    await rolled_up(sessionmaker, clock)
    response = await client.get(
        "/v1/admin/outcomes/learning-effect", params=FEBRUARY, headers=staff.headers
    )
    before = response.json()["rows"][0]
    # 0.01 of the cash in five minutes: × 30 (a day), not × 8,640 (five minutes)
    assert before[0] == "before"
    assert before[4] == 0.3
