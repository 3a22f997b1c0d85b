"""Orders racing for the last cash or the last shares, committed for real; and the order rate."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.database import create_sessionmaker
from api.settings import Settings
from core.clock import FrozenClock
from tests.contests.test_matching import cash_journal_breaks
from tests.contests.trading_helpers import (
    add_market,
    create_contest,
    join,
    learner,
    marketer,
    order,
    place,
    portfolio,
    trading_market,
)
from tests.factories import TestUser, UserFactory
from tests.helpers import http_client

__all__ = ["learner", "marketer", "trading_market"]  # fixtures used by name
ORDERS = 5


async def race(
    client: AsyncClient, contest_id: str, user: TestUser, body: dict[str, Any]
) -> list[dict[str, Any]]:
    bodies = [{**body, "client_order_id": f"race-{n}"} for n in range(ORDERS)]
    return await asyncio.gather(*(place(client, contest_id, user, b) for b in bodies))


@pytest.fixture
async def racing(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
) -> tuple[TestUser, TestUser]:
    async with sessionmaker.begin() as db:
        await add_market(db, clock.now())
    return await user_factory(roles=["marketer"]), await user_factory()


@pytest.mark.committing
async def test_orders_racing_for_the_last_cash_fill_exactly_once(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    racing: tuple[TestUser, TestUser],
) -> None:
    boss, player = racing
    # 100 shares at ¥10 cost 1,005.01 with fees: the cash is enough for one such buy.
    contest_id = await create_contest(client, boss, clock.now(), starting_cash="1500")
    await join(client, contest_id, player)
    results = await race(client, contest_id, player, order("buy", 100))
    assert sorted(str(r["reject_reason"]) for r in results) == ["None"] + ["insufficient_cash"] * (
        ORDERS - 1
    )
    book = await portfolio(client, contest_id, player)
    assert (book["cash"], book["positions"][0]["quantity"]) == ("494.99", 100)
    async with sessionmaker() as db:
        assert await cash_journal_breaks(db) == []


@pytest.mark.committing
async def test_orders_racing_for_the_last_shares_fill_exactly_once(
    client: AsyncClient,
    clock: FrozenClock,
    racing: tuple[TestUser, TestUser],
) -> None:
    boss, player = racing
    contest_id = await create_contest(client, boss, clock.now(), rules={"t_plus_one": False})
    await join(client, contest_id, player)
    await place(client, contest_id, player, order("buy", 100))
    sells = await race(client, contest_id, player, order("sell", 100, limit_price="9.00"))
    assert sorted(str(r["reject_reason"]) for r in sells) == ["None"] + ["insufficient_shares"] * (
        ORDERS - 1
    )
    assert (await portfolio(client, contest_id, player))["positions"] == []


async def test_orders_over_the_rate_are_429_with_retry_after(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    trading_market: None,
) -> None:
    limited = settings.model_copy(update={"contest_orders_per_minute": 3})
    app = create_app(limited, engine, sessionmaker=sessionmaker, clock=clock)
    async with http_client(app) as client:
        contest_id = await create_contest(client, marketer, clock.now())
        await join(client, contest_id, learner)
        for _ in range(3):
            await place(client, contest_id, learner, order("buy", 100))
        url = f"/v1/contests/{contest_id}/orders"
        refused = await client.post(url, json=order("buy", 100), headers=learner.headers)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "61"
        assert refused.json()["type"].endswith("/rate-limited")
        clock.advance(timedelta(seconds=61))
        assert (await place(client, contest_id, learner, order("buy", 100)))["status"] == "filled"


@pytest.mark.committing
async def test_one_order_sent_many_times_at_once_is_placed_once_and_never_rate_limited(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    racing: tuple[TestUser, TestUser],
) -> None:
    """An app retrying one order (the same client_order_id and body) while the first try is
    still being placed gets that order back each time: the id is looked for under the entry's
    lock, before the order rate, so a try that waited behind the first is not refused as over
    the rate even when the first used up the minute (migration 0054)."""
    boss, player = racing
    one_a_minute = settings.model_copy(update={"contest_orders_per_minute": 1})
    app = create_app(
        one_a_minute,
        engine,
        sessionmaker=sessionmaker,
        autocommit_sessionmaker=create_sessionmaker(engine, autocommit=True),
        clock=clock,
    )
    async with http_client(app) as client:
        contest_id = await create_contest(client, boss, clock.now())
        await join(client, contest_id, player)
        url = f"/v1/contests/{contest_id}/orders"
        body = order("buy", 100, client_order_id="retried")
        answers = await asyncio.gather(
            *(client.post(url, json=body, headers=player.headers) for _ in range(20))
        )
        assert sorted(a.status_code for a in answers) == [200] * 19 + [201]
        assert len({a.json()["id"] for a in answers}) == 1
        book = await portfolio(client, contest_id, player)
        assert book["positions"][0]["quantity"] == 100
        refused = await client.post(url, json=order("buy", 100), headers=player.headers)
        assert refused.status_code == 429  # the one order did use up the minute
