"""Redemptions racing for real: committed transactions, one connection each, started together.
Every test ends with the ledger's own reconciliation finding nothing wrong."""

import asyncio
import time
import uuid
from collections.abc import Sequence

import pytest
import sqlalchemy as sa
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from core.clock import FrozenClock
from gamification.ledger.models import LedgerTransaction
from gamification.ledger.reconcile import check_ledger
from tests import factories
from tests.factories import UserFactory
from tests.helpers import (
    Funder,
    ProductFactory,
    points_of,
    redeem,
    remaining_stock,
    vouchers_of,
)

pytestmark = pytest.mark.committing


async def funded_users(
    user_factory: UserFactory, fund: Funder, count: int, points: int
) -> list[factories.TestUser]:
    users = [await user_factory() for _ in range(count)]
    for user in users:
        await fund(user.id, points)
    return users


async def ledger_breaks(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as db:
        return await check_ledger(db)


def problem_types(responses: Sequence[Response]) -> list[str]:
    """The last part of each refusal's problem type, e.g. `out-of-stock`."""
    return [r.json()["type"].rsplit("/", 1)[-1] for r in responses if r.status_code != 201]


async def test_two_hundred_redeemers_of_fifty_units_get_exactly_fifty(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    product = await product_factory(points_price=30, total_stock=50)
    users = await funded_users(user_factory, fund, 200, 100)
    responses = await asyncio.gather(*(redeem(client, user.headers, product.id) for user in users))
    codes = [r.json()["voucher"]["code"] for r in responses if r.status_code == 201]
    assert len(codes) == 50
    assert len(set(codes)) == 50
    assert problem_types(responses) == ["out-of-stock"] * 150
    assert await remaining_stock(sessionmaker, product.id) == 0
    vouchers = await vouchers_of(sessionmaker, product.id)
    assert sorted(v.code for v in vouchers) == sorted(codes)
    winners = {v.user_id for v in vouchers}
    for user in users:
        expected = 70 if user.id in winners else 100
        assert await points_of(sessionmaker, clock, user.id) == expected
    assert await ledger_breaks(sessionmaker) == []


async def test_one_user_racing_twenty_redemptions_can_only_pay_for_three(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    product = await product_factory(points_price=30, total_stock=100)
    (user,) = await funded_users(user_factory, fund, 1, 100)
    responses = await asyncio.gather(*(redeem(client, user.headers, product.id) for _ in range(20)))
    assert sum(r.status_code == 201 for r in responses) == 3
    assert problem_types(responses) == ["insufficient-points"] * 17
    assert await points_of(sessionmaker, clock, user.id) == 10
    assert len(await vouchers_of(sessionmaker, product.id)) == 3
    assert await remaining_stock(sessionmaker, product.id) == 97
    assert await ledger_breaks(sessionmaker) == []


async def test_per_user_limit_of_one_holds_against_twenty_concurrent_tries(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    product = await product_factory(points_price=10, per_user_limit=1)
    (user,) = await funded_users(user_factory, fund, 1, 1000)
    responses = await asyncio.gather(*(redeem(client, user.headers, product.id) for _ in range(20)))
    assert sum(r.status_code == 201 for r in responses) == 1
    assert problem_types(responses) == ["limit-reached"] * 19
    assert await points_of(sessionmaker, clock, user.id) == 990
    assert len(await vouchers_of(sessionmaker, product.id)) == 1
    assert await ledger_breaks(sessionmaker) == []


async def test_one_key_sent_twenty_times_at_once_makes_one_voucher_and_one_debit(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    product = await product_factory(points_price=30)
    (user,) = await funded_users(user_factory, fund, 1, 100)
    responses = await asyncio.gather(
        *(redeem(client, user.headers, product.id, key="tap-tap") for _ in range(20))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.text for r in responses}) == 1
    assert len(await vouchers_of(sessionmaker, product.id)) == 1
    assert await points_of(sessionmaker, clock, user.id) == 70
    async with sessionmaker() as db:
        spends = await db.scalar(
            sa.select(sa.func.count()).where(col(LedgerTransaction.kind) == "spend")
        )
    assert spends == 1
    assert await ledger_breaks(sessionmaker) == []


async def backend_waiting_on(engine: AsyncEngine, statement_start: str) -> int:
    """The pid of the server process blocked on a lock while running `statement_start...`."""
    deadline = time.monotonic() + 30  # generous: CI machines can be busy
    async with engine.connect() as conn:
        while time.monotonic() < deadline:
            pid = await conn.scalar(
                sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE :start"
                ),
                {"start": statement_start + "%"},
            )
            if pid is not None:
                return int(pid)
            await conn.rollback()  # pg_stat_activity is a snapshot per transaction
            await asyncio.sleep(0.02)
    pytest.fail(f"no backend got blocked on {statement_start!r}")


async def test_a_connection_killed_mid_redemption_then_retried_issues_exactly_one(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    clock: FrozenClock,
) -> None:
    product = await product_factory(points_price=30, total_stock=5)
    (user,) = await funded_users(user_factory, fund, 1, 100)
    async with engine.connect() as holder:
        # Hold the product row the way a concurrent stock update would (NO KEY UPDATE lets the
        # foreign-key checks through), so the redemption stops at its last step, taking the
        # stock, with the idempotency record, counter, debit and voucher already written.
        await holder.execute(
            sa.text("SELECT id FROM voucher_product WHERE id = :id FOR NO KEY UPDATE"),
            {"id": product.id},
        )
        request = asyncio.create_task(redeem(client, user.headers, product.id, "k"))
        # The stock update runs inside the redemption's one statement
        # (`voucher_redeem_product`), which claimed the key too: killed, it leaves no claim.
        pid = await backend_waiting_on(engine, "SELECT outcome, answer, kind, points_price")
        await holder.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killed = await request
        await holder.rollback()
    assert killed.status_code == 503  # the connection was lost: retry, with the same key
    assert await vouchers_of(sessionmaker, product.id) == []
    assert await points_of(sessionmaker, clock, user.id) == 100
    assert await remaining_stock(sessionmaker, product.id) == 5

    retried = await redeem(client, user.headers, product.id, "k")
    assert retried.status_code == 201
    again = await redeem(client, user.headers, product.id, "k")
    assert again.json() == retried.json()
    (voucher,) = await vouchers_of(sessionmaker, product.id)
    assert str(voucher.id) == retried.json()["voucher"]["id"]
    assert await points_of(sessionmaker, clock, user.id) == 70
    assert await remaining_stock(sessionmaker, product.id) == 4
    assert await ledger_breaks(sessionmaker) == []


async def test_distinct_users_keys_do_not_collide(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Idempotency keys belong to their caller: two users sending the same key both redeem."""
    product = await product_factory(points_price=10)
    users = await funded_users(user_factory, fund, 2, 50)
    key = uuid.uuid4().hex
    responses = await asyncio.gather(
        *(redeem(client, user.headers, product.id, key) for user in users)
    )
    assert [r.status_code for r in responses] == [201, 201]
    assert len(await vouchers_of(sessionmaker, product.id)) == 2


async def test_stock_raised_during_a_storm_is_never_oversold(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    product = await product_factory(points_price=10, total_stock=5)
    users = await funded_users(user_factory, fund, 30, 50)
    marketer = await user_factory(roles=["marketer"])
    edit = client.patch(
        f"/v1/admin/voucher-products/{product.id}",
        json={"total_stock": 15},
        headers=marketer.headers,
    )
    responses = await asyncio.gather(
        *(redeem(client, user.headers, product.id) for user in users[:15]),
        edit,
        *(redeem(client, user.headers, product.id) for user in users[15:]),
    )
    assert responses[15].status_code == 200
    redemptions = [*responses[:15], *responses[16:]]
    won = sum(r.status_code == 201 for r in redemptions)
    assert set(problem_types(redemptions)) <= {"out-of-stock"}
    assert 5 <= won <= 15
    assert len(await vouchers_of(sessionmaker, product.id)) == won
    assert await remaining_stock(sessionmaker, product.id) == 15 - won
    assert await ledger_breaks(sessionmaker) == []
