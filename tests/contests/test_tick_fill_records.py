"""Migrations 0050 and 0054: the market tick, and since 0054 placing too, record a fill on its
order row, no `contest_fill` row, and every read of fills (`contest_all_fills`, the export)
still sees it as the journal's row it used to write."""

from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.contests.calendar import market_calendar
from gamification.contests.matching import match_resting_orders
from tests.contests.trading_helpers import (
    MAIN,
    create_contest,
    join,
    learner,
    marketer,
    order,
    place,
    set_price,
    trading_market,
)
from tests.factories import TestUser

__all__ = ["learner", "marketer", "trading_market"]  # fixtures used by name

pytestmark = pytest.mark.usefixtures("trading_market")

_FILL = sa.text(
    "SELECT id, order_id, side, quantity, price, notional, commission, stamp_duty, transfer_fee,"
    " cash_delta, at_limit_up, trading_day, filled_at FROM contest_all_fills WHERE order_id = :o"
)


async def match(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    # One worker: these sessions share the test's connection.
    return await match_resting_orders(sessionmaker, now=now, workers=1)


async def test_a_tick_fill_is_read_from_its_order_as_the_journal_wrote_it(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    contest_id = await create_contest(client, marketer, clock.now(), rules={"t_plus_one": False})
    await join(client, contest_id, learner)
    placed = await place(client, contest_id, learner, order("buy", 1000))  # filled on placing
    bid = await place(client, contest_id, learner, order("buy", 200, limit_price="9.90"))
    ask = await place(client, contest_id, learner, order("sell", 300, limit_price="10.20"))
    for price in ("9.85", "10.25"):
        async with sessionmaker.begin() as tick:
            await set_price(tick, MAIN, price)
        assert await match(sessionmaker, clock.now()) == 1
    # Every fill is its order's row (migration 0054: placing records its fill there too).
    journalled = await db.scalar(sa.text("SELECT count(*) FROM contest_fill"))
    assert journalled == 0
    on_placing = (await db.execute(_FILL, {"o": placed["id"]})).one()
    assert str(on_placing.id) == str(on_placing.order_id) == placed["id"]
    filled = (on_placing.side, on_placing.quantity, on_placing.filled_at)
    assert filled == ("buy", 1000, clock.now())
    day = market_calendar().trading_day(clock.now())
    bought = (await db.execute(_FILL, {"o": bid["id"]})).one()
    sold = (await db.execute(_FILL, {"o": ask["id"]})).one()
    assert str(bought.id) == str(bought.order_id) == bid["id"]
    # 1,980.00 bought: commission at its ¥5 minimum, transfer fee 0.0198 -> 0.02.
    assert tuple(bought)[2:] == (
        "buy", 200, Decimal("9.90"), Decimal("1980.00"), Decimal("5.00"), Decimal("0.00"),
        Decimal("0.02"), Decimal("-1985.02"), False, day, clock.now(),
    )  # fmt: skip
    # 3,060.00 sold: stamp duty 1.53, transfer fee 0.0306 -> 0.03.
    assert tuple(sold)[2:] == (
        "sell", 300, Decimal("10.20"), Decimal("3060.00"), Decimal("5.00"), Decimal("1.53"),
        Decimal("0.03"), Decimal("3053.44"), False, day, clock.now(),
    )  # fmt: skip
    broken = await db.scalar(
        sa.text(
            "SELECT count(*) FROM contest_entry e WHERE e.cash <> e.starting_cash"
            " + (SELECT sum(cash_delta) FROM contest_all_fills f WHERE f.entry_id = e.id)"
        )
    )
    assert broken == 0


async def test_a_tick_buy_at_the_limit_up_price_is_recorded_on_its_order(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    bid = await place(client, contest_id, learner, order("buy", 100, limit_price="9.90"))
    async with sessionmaker.begin() as tick:  # a lower close: 9.90 is now the limit-up price
        await tick.execute(sa.text("UPDATE contest_quote SET prev_close = 9.00"))
        await set_price(tick, MAIN, "9.80")
    assert await match(sessionmaker, clock.now()) == 1
    at_limit_up = await db.scalar(
        sa.text("SELECT at_limit_up FROM contest_all_fills WHERE order_id = :o"), {"o": bid["id"]}
    )
    assert at_limit_up is True


async def test_only_a_filled_order_holds_a_whole_fill_record(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    bid = await place(client, contest_id, learner, order("buy", 100, limit_price="9.90"))
    for values in (
        "filled_at = now(), fill_trading_day = current_date, fill_at_limit_up = false",  # open
        "status = 'filled', filled_quantity = quantity, avg_fill_price = limit_price,"
        " cash_held = 0, filled_at = now()",  # no trading day, no limit-up flag
    ):
        with pytest.raises(IntegrityError, match="ck_contest_order_tick_fill"):
            async with sessionmaker.begin() as db:
                await db.execute(
                    sa.text(f"UPDATE contest_order SET {values} WHERE id = :o"),
                    {"o": bid["id"]},
                )


async def test_the_export_lists_a_tick_fill_with_the_journalled_ones(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    placed = await place(client, contest_id, learner, order("buy", 100))
    bid = await place(client, contest_id, learner, order("buy", 100, limit_price="9.90"))
    async with sessionmaker.begin() as tick:
        await set_price(tick, MAIN, "9.85")
    assert await match(sessionmaker, clock.now()) == 1
    exported = (await client.get("/v1/me/export", headers=learner.headers)).json()["contests"]
    fills = {f["order_id"]: f for f in exported["fills"]}
    assert set(fills) == {placed["id"], bid["id"]}
    assert (fills[bid["id"]]["price"], fills[bid["id"]]["cash_delta"]) == ("9.900", "-995.01")
