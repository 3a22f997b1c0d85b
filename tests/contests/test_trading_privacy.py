"""A learner's contest data in their export, and their entries anonymised when they leave."""

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import FrozenClock
from tests.contests.trading_helpers import (
    create_contest,
    join,
    learner,
    marketer,
    order,
    place,
    trading_market,
)
from tests.factories import TestUser

__all__ = ["learner", "marketer", "trading_market"]  # fixtures used by name

pytestmark = pytest.mark.usefixtures("trading_market")


async def test_the_export_has_entries_orders_and_fills(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, learner: TestUser
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    entry = await join(client, contest_id, learner)
    placed = await place(client, contest_id, learner, order("buy", 100, client_order_id="mine"))
    exported = (await client.get("/v1/me/export", headers=learner.headers)).json()["contests"]
    assert [e["id"] for e in exported["entries"]] == [entry["entry_id"]]
    assert [(o["id"], o["client_order_id"]) for o in exported["orders"]] == [(placed["id"], "mine")]
    assert [f["order_id"] for f in exported["fills"]] == [placed["id"]]
    assert exported["positions"][0]["quantity"] == 100


async def test_a_deleted_account_keeps_its_entries_anonymised(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    db: AsyncSession,
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    entry = await join(client, contest_id, learner)
    await place(client, contest_id, learner, order("buy", 100))
    assert (await client.delete("/v1/me", headers=learner.headers)).status_code == 204
    row = (
        await db.execute(
            sa.text("SELECT cash, anonymised_at FROM contest_entry WHERE id = :id"),
            {"id": entry["entry_id"]},
        )
    ).one()
    assert row.anonymised_at == clock.now()
    assert str(row.cash) == "998994.99"  # the books are kept
