"""A market tick and learners cancelling the same resting orders, committed for real: each order
ends exactly once (filled or cancelled), whichever claims its resting row first, and the books
balance. A cancel that finds the row claimed by a tick waits for it and is then a 409."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.contests.matching import match_resting_orders
from gamification.contests.order_book import cancel_order
from tests.contests.test_matching import cash_journal_breaks
from tests.contests.trading_helpers import (
    MAIN,
    add_market,
    create_contest,
    join,
    order,
    place,
    set_price,
)
from tests.factories import TestUser, UserFactory
from tests.waiting import eventually

pytestmark = pytest.mark.committing

LEARNERS = 4
BIDS_EACH = 5


@pytest.fixture
async def players(
    sessionmaker: async_sessionmaker[AsyncSession], user_factory: UserFactory, clock: FrozenClock
) -> tuple[TestUser, list[TestUser]]:
    async with sessionmaker.begin() as db:
        await add_market(db, clock.now())
    boss = await user_factory(roles=["marketer"])
    return boss, [await user_factory() for _ in range(LEARNERS)]


async def bids(
    client: AsyncClient, contest_id: str, learner: TestUser, count: int
) -> list[dict[str, Any]]:
    placed = [
        await place(client, contest_id, learner, order("buy", 100, limit_price="9.90"))
        for _ in range(count)
    ]
    assert {o["status"] for o in placed} == {"open"}
    return placed


async def cancel(
    client: AsyncClient, contest_id: str, learner: TestUser, order_id: str
) -> tuple[int, Any]:
    response = await client.delete(
        f"/v1/contests/{contest_id}/orders/{order_id}", headers=learner.headers
    )
    return response.status_code, response.json()


async def tick(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with sessionmaker.begin() as db:
        await set_price(db, MAIN, "9.80")
    return await match_resting_orders(sessionmaker, now=now, chunk_size=3)


async def books_balance(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The journal balances, no cash or shares stay held, and no resting row outlives its order."""
    async with sessionmaker() as db:
        assert await cash_journal_breaks(db) == []
        held = await db.execute(
            sa.text(
                "SELECT (SELECT coalesce(sum(cash_held), 0) FROM contest_entry),"
                " (SELECT coalesce(sum(reserved), 0) FROM contest_position),"
                " (SELECT count(*) FROM contest_resting_order),"
                " (SELECT count(*) FROM contest_order WHERE status = 'open')"
            )
        )
        assert tuple(held.one()) == (0, 0, 0, 0)


async def test_a_tick_and_cancels_racing_end_each_order_exactly_once(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    players: tuple[TestUser, list[TestUser]],
) -> None:
    boss, learners = players
    contest_id = await create_contest(client, boss, clock.now())
    placed: list[tuple[TestUser, dict[str, Any]]] = []
    for learner in learners:
        await join(client, contest_id, learner)
        placed += [(learner, o) for o in await bids(client, contest_id, learner, BIDS_EACH)]
    cancels = [cancel(client, contest_id, learner, o["id"]) for learner, o in placed]
    results = await asyncio.gather(tick(sessionmaker, clock.now()), *cancels)
    filled, answers = results[0], results[1:]
    cancelled = [body for status, body in answers if status == 200]
    refused = [body for status, body in answers if status != 200]
    assert all(body["status"] == "cancelled" for body in cancelled)
    assert {body["type"].rsplit("/", 1)[-1] for body in refused} <= {"order-not-open"}
    assert filled == len(refused)
    assert filled + len(cancelled) == len(placed)
    async with sessionmaker() as db:
        fills = await db.scalar(sa.text("SELECT count(*) FROM contest_all_fills"))
        rows = await db.execute(
            sa.text("SELECT status, count(*) FROM contest_order GROUP BY status")
        )
        statuses: dict[str, int] = {row[0]: row[1] for row in rows.all()}
    assert fills == filled
    assert statuses.get("filled", 0) == filled
    assert statuses.get("cancelled", 0) == len(cancelled)
    assert sum(statuses.values()) == len(placed)
    await books_balance(sessionmaker)


async def test_a_tick_skips_an_order_a_cancel_holds(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    players: tuple[TestUser, list[TestUser]],
) -> None:
    boss, (learner, other_learner, *_) = players
    contest_id = await create_contest(client, boss, clock.now())
    for player in (learner, other_learner):
        await join(client, contest_id, player)
    (held,) = await bids(client, contest_id, learner, 1)
    (other,) = await bids(client, contest_id, other_learner, 1)
    async with sessionmaker.begin() as db:
        cancelled = await cancel_order(
            db,
            contest_id=uuid.UUID(contest_id),
            user_id=learner.id,
            order_id=uuid.UUID(held["id"]),
            now=clock.now(),
        )
        assert cancelled.status == "cancelled"
        # Not waited for: the order the cancel claimed is skipped, the other one fills.
        assert await tick(sessionmaker, clock.now()) == 1
    assert await tick(sessionmaker, clock.now()) == 0
    status, body = await cancel(client, contest_id, other_learner, other["id"])
    assert (status, body["type"].rsplit("/", 1)[-1]) == (409, "order-not-open")
    await books_balance(sessionmaker)


async def test_a_cancel_waits_for_the_tick_that_claimed_its_order_then_is_refused(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    players: tuple[TestUser, list[TestUser]],
) -> None:
    boss, (learner, *_) = players
    contest_id = await create_contest(client, boss, clock.now())
    await join(client, contest_id, learner)
    (bid,) = await bids(client, contest_id, learner, 1)

    def waiting_on_a_lock(statement: str) -> Callable[[], Awaitable[bool]]:
        async def waiting() -> bool:
            async with sessionmaker() as db:
                count = await db.scalar(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND query LIKE :statement"
                    ),
                    {"statement": f"%{statement}%"},
                )
            return bool(count)

        return waiting

    # The learner's entry held elsewhere: the tick's chunk stops at its books, its order
    # claimed and marked, its transaction open.
    async with sessionmaker.begin() as entry_holder:
        await entry_holder.execute(
            sa.text("SELECT 1 FROM contest_entry WHERE user_id = :u FOR UPDATE"),
            {"u": learner.id},
        )
        ticking = asyncio.create_task(tick(sessionmaker, clock.now()))
        await eventually(waiting_on_a_lock("UPDATE contest_entry"), within=5)
        cancelling = asyncio.create_task(cancel(client, contest_id, learner, bid["id"]))
        await eventually(waiting_on_a_lock("DELETE FROM contest_resting_order"), within=5)
        assert not cancelling.done()
    assert await ticking == 1
    status, body = await cancelling
    assert (status, body["type"].rsplit("/", 1)[-1]) == (409, "order-not-open")
    await books_balance(sessionmaker)
