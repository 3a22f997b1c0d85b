"""Placing an order as production runs it: no transaction around the route, its one statement
committing on its own (`own_app` under `committing`). A fill is booked once; a rejected order
is stored with its reason and moves nothing; a refused one (its id reused) writes nothing."""

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.contests.test_matching import cash_journal_breaks
from tests.contests.trading_helpers import add_market, create_contest, join, order, place
from tests.factories import UserFactory
from tests.helpers import http_client

pytestmark = pytest.mark.committing

_STORED = sa.text("""
SELECT e.cash, e.cash_held, e.orders_in_window,
       (SELECT count(*) FROM contest_order o WHERE o.entry_id = e.id) AS orders,
       (SELECT count(*) FROM contest_all_fills f WHERE f.entry_id = e.id) AS fills
FROM contest_entry e WHERE e.contest_id = :contest
""")


async def stored(sessionmaker: async_sessionmaker[AsyncSession], contest_id: str) -> dict[str, Any]:
    async with sessionmaker() as db:
        row = (await db.execute(_STORED, {"contest": uuid.UUID(contest_id)})).one()
        return dict(row._mapping)


async def test_an_order_commits_once_and_a_refused_one_writes_nothing(
    own_app: Litestar,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
) -> None:
    async with sessionmaker.begin() as db:
        await add_market(db, clock.now())
    boss, player = await user_factory(roles=["marketer"]), await user_factory()
    async with http_client(own_app) as client:
        # 100 shares at ¥10 cost 1,005.01 with fees: the cash is enough for one such buy.
        contest_id = await create_contest(client, boss, clock.now(), starting_cash="1500")
        await join(client, contest_id, player)
        buy = order("buy", 100, client_order_id="first")
        assert (await place(client, contest_id, player, buy))["status"] == "filled"
        filled = await stored(sessionmaker, contest_id)
        assert (str(filled["cash"]), filled["orders"], filled["fills"]) == ("494.99", 1, 1)

        again = await place(client, contest_id, player, order("buy", 100, client_order_id="2"))
        assert again["reject_reason"] == "insufficient_cash"
        rejected = await stored(sessionmaker, contest_id)
        assert rejected == {**filled, "orders": 2, "orders_in_window": 2}

        url = f"/v1/contests/{contest_id}/orders"
        reused = {**buy, "quantity": 200}
        refused = await client.post(url, json=reused, headers=player.headers)
        assert refused.status_code == 409, refused.text
        assert await stored(sessionmaker, contest_id) == rejected
    async with sessionmaker() as db:
        assert await cash_journal_breaks(db) == []
