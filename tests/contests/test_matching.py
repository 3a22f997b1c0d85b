"""Resting limit orders: filled when the price crosses, expired at the end of the trading day,
and the paper-cash journal always balancing."""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.settings import Settings
from core.clock import FrozenClock
from gamification.contests.matching import match_resting_orders
from gamification.contests.rules import FeeSchedule, Side, fees_for
from tests.contests.trading_helpers import (
    MAIN,
    at,
    create_contest,
    join,
    learner,
    marketer,
    order,
    place,
    portfolio,
    set_price,
    trading_market,
)
from tests.factories import TestUser, UserFactory

__all__ = ["learner", "marketer", "trading_market"]  # fixtures used by name

pytestmark = pytest.mark.usefixtures("trading_market")


async def cash_journal_breaks(db: AsyncSession) -> list[object]:
    """Entries whose cash is not their starting cash plus their fills' cash deltas."""
    rows = await db.execute(
        sa.text(
            "SELECT e.id FROM contest_entry e LEFT JOIN contest_all_fills f ON f.entry_id = e.id "
            "GROUP BY e.id HAVING e.starting_cash + coalesce(sum(f.cash_delta), 0) <> e.cash "
            "OR e.fees_paid <> coalesce(sum(f.commission + f.stamp_duty + f.transfer_fee), 0)"
        )
    )
    return list(rows.scalars())


async def fees_off_the_rules(db: AsyncSession) -> list[object]:
    """Fills whose fees are not what `rules.fees_for` charges for their notional (the tick
    charges in SQL, an order filled on placing in Python: both must agree)."""
    rows = await db.execute(
        sa.text(
            "SELECT f.id, f.side, f.notional, f.commission, f.stamp_duty, f.transfer_fee,"
            " c.commission_rate, c.commission_min, c.stamp_duty_rate, c.transfer_fee_rate"
            " FROM contest_all_fills f JOIN contest c ON c.id = f.contest_id"
        )
    )
    off = []
    for row in rows:
        schedule = FeeSchedule(
            row.commission_rate, row.commission_min, row.stamp_duty_rate, row.transfer_fee_rate
        )
        fees = fees_for(Side(row.side), row.notional, schedule)
        if (fees.commission, fees.stamp_duty, fees.transfer_fee) != (
            row.commission,
            row.stamp_duty,
            row.transfer_fee,
        ):
            off.append(row.id)
    return off


async def match(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    # One worker: these sessions share the test's connection.
    return await match_resting_orders(sessionmaker, now=now, chunk_size=2, workers=1)


async def test_resting_orders_fill_at_their_limit_when_the_price_crosses(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    sessionmaker: async_sessionmaker[AsyncSession],
    db: AsyncSession,
) -> None:
    contest_id = await create_contest(client, marketer, clock.now(), rules={"t_plus_one": False})
    await join(client, contest_id, learner)
    await place(client, contest_id, learner, order("buy", 500))
    bids = [
        await place(client, contest_id, learner, order("buy", 100, limit_price=price))
        for price in ("9.90", "9.80", "9.70", "9.60", "9.50")
    ]
    ask = await place(client, contest_id, learner, order("sell", 300, limit_price="10.20"))
    assert {o["status"] for o in [*bids, ask]} == {"open"}
    async with sessionmaker.begin() as tick:
        await set_price(tick, MAIN, "9.75")
    assert await match(sessionmaker, clock.now()) == 2  # the bids at 9.90 and 9.80
    listed = await client.get(f"/v1/contests/{contest_id}/orders", headers=learner.headers)
    statuses = {o["limit_price"]: o["status"] for o in listed.json()["items"] if o["limit_price"]}
    assert statuses == {
        "9.90": "filled",
        "9.80": "filled",
        "9.70": "open",
        "9.60": "open",
        "9.50": "open",
        "10.20": "open",
    }
    async with sessionmaker.begin() as tick:
        await set_price(tick, MAIN, "10.25")
    assert await match(sessionmaker, clock.now()) == 1
    book = await portfolio(client, contest_id, learner)
    assert book["positions"][0]["quantity"] == 500 + 200 - 300
    listed = await client.get(
        f"/v1/contests/{contest_id}/orders?status=filled", headers=learner.headers
    )
    filled = listed.json()["items"]
    assert {o["avg_fill_price"] for o in filled} == {"10.00", "9.90", "9.80", "10.20"}
    assert await cash_journal_breaks(db) == []
    assert await fees_off_the_rules(db) == []


async def test_open_orders_expire_at_the_close_and_give_back_what_they_held(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    contest_id = await create_contest(client, marketer, clock.now(), rules={"t_plus_one": False})
    await join(client, contest_id, learner)
    await place(client, contest_id, learner, order("buy", 200))
    bid = await place(client, contest_id, learner, order("buy", 100, limit_price="9.00"))
    ask = await place(client, contest_id, learner, order("sell", 200, limit_price="11.00"))
    assert bid["expires_at"] == "2026-03-02T07:00:00.000Z"  # 15:00 in Shanghai
    book = await portfolio(client, contest_id, learner)
    assert book["positions"][0]["available"] == 0
    close = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    await match(sessionmaker, close)
    clock.set(close)
    learner = at(learner, settings, close)
    listed = await client.get(f"/v1/contests/{contest_id}/orders", headers=learner.headers)
    statuses = {o["id"]: o["status"] for o in listed.json()["items"]}
    assert (statuses[bid["id"]], statuses[ask["id"]]) == ("expired", "expired")
    book = await portfolio(client, contest_id, learner)
    assert book["cash"] == book["cash_available"]
    assert book["positions"][0]["available"] == 200
    cancel = await client.delete(
        f"/v1/contests/{contest_id}/orders/{bid['id']}", headers=learner.headers
    )
    assert cancel.status_code == 409


async def test_buying_at_the_limit_up_price_is_recorded_for_the_report_card(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    async with sessionmaker.begin() as tick:
        await set_price(tick, MAIN, "11.00")  # the limit-up price: 10.00 + 10%
    await place(client, contest_id, learner, order("buy", 100))
    assert await db.scalar(sa.text("SELECT at_limit_up FROM contest_all_fills")) is True
    assert await cash_journal_breaks(db) == []


async def test_the_tick_charges_the_fees_the_rules_charge_above_the_minimum(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    contest_id = await create_contest(client, marketer, clock.now(), rules={"t_plus_one": False})
    await join(client, contest_id, learner)
    await place(client, contest_id, learner, order("buy", 20000))
    await place(client, contest_id, learner, order("buy", 10000, limit_price="9.87"))
    await place(client, contest_id, learner, order("sell", 10000, limit_price="10.13"))
    for price in ("9.85", "10.15"):
        async with sessionmaker.begin() as tick:
            await set_price(tick, MAIN, price)
        assert await match(sessionmaker, clock.now()) == 1
    fees = (
        await db.execute(
            sa.text(
                "SELECT side, commission, stamp_duty, transfer_fee FROM contest_all_fills"
                " WHERE notional IN (98700, 101300) ORDER BY side"
            )
        )
    ).all()
    assert [tuple(row) for row in fees] == [
        ("buy", Decimal("24.68"), Decimal("0.00"), Decimal("0.99")),  # 24.675 half up
        ("sell", Decimal("25.33"), Decimal("50.65"), Decimal("1.01")),
    ]
    assert await fees_off_the_rules(db) == []
    assert await cash_journal_breaks(db) == []


async def test_a_buy_and_a_sell_of_one_position_fill_in_the_same_chunk(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The chunk's sums move one position twice (the sale, then the purchase) in separate
    statements: neither is lost, and the cost basis keeps what was not sold."""
    contest_id = await create_contest(client, marketer, clock.now(), rules={"t_plus_one": False})
    await join(client, contest_id, learner)
    await place(client, contest_id, learner, order("buy", 500))
    held = await db.scalar(sa.text("SELECT cost FROM contest_position"))
    bid = await place(client, contest_id, learner, order("buy", 100, limit_price="9.90"))
    async with sessionmaker.begin() as tick:
        await set_price(tick, MAIN, "9.70")
    ask = await place(client, contest_id, learner, order("sell", 200, limit_price="9.80"))
    assert (bid["status"], ask["status"]) == ("open", "open")
    async with sessionmaker.begin() as tick:
        await set_price(tick, MAIN, "9.85")  # crosses the bid and the ask at once
    assert await match(sessionmaker, clock.now()) == 2
    position = (
        await db.execute(
            sa.text("SELECT quantity, reserved, bought_today, cost FROM contest_position")
        )
    ).one()
    bought = (
        await db.execute(sa.text("SELECT -cash_delta FROM contest_all_fills WHERE price = 9.90"))
    ).scalar_one()
    sold = (held * 200 / 500).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert position.quantity == 500 - 200 + 100
    assert position.reserved == 0
    assert position.bought_today == 500 - 200 + 100  # all bought on this trading day
    assert position.cost == held - sold + bought
    assert await cash_journal_breaks(db) == []


async def test_a_resting_buy_fills_into_the_empty_position_row_its_placement_wrote(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The portfolio does not list the empty row; the fill updates it (migration 0046), and a
    resting buy whose row is missing (placed before that migration) still gets its shares."""
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    for price in ("9.90", "9.80"):
        bid = await place(client, contest_id, learner, order("buy", 100, limit_price=price))
        assert bid["status"] == "open"
    positions = sa.text("SELECT quantity, reserved, bought_today, cost FROM contest_position")
    assert [tuple(row) for row in await db.execute(positions)] == [(0, 0, 0, 0)]
    assert (await portfolio(client, contest_id, learner))["positions"] == []
    async with sessionmaker.begin() as tick:
        await set_price(tick, MAIN, "9.85")
    assert await match(sessionmaker, clock.now()) == 1
    cost = await db.scalar(sa.text("SELECT -cash_delta FROM contest_all_fills"))
    assert [tuple(row) for row in await db.execute(positions)] == [(100, 0, 100, cost)]
    await db.execute(sa.text("DELETE FROM contest_position"))
    async with sessionmaker.begin() as tick:
        await set_price(tick, MAIN, "9.75")
    assert await match(sessionmaker, clock.now()) == 1
    cost = await db.scalar(sa.text("SELECT -cash_delta FROM contest_all_fills WHERE price = 9.80"))
    assert [tuple(row) for row in await db.execute(positions)] == [(100, 0, 100, cost)]
    assert (await portfolio(client, contest_id, learner))["positions"][0]["quantity"] == 100
    assert await cash_journal_breaks(db) == []


async def test_chunks_are_ranges_of_entries_and_never_split_one(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    user_factory: UserFactory,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Chunks of 2 over four entries, one of them with three crossed orders (more than a
    chunk): every crossed order fills once, every entry's books move by all of its fills."""
    contest_id = await create_contest(client, marketer, clock.now(), rules={"t_plus_one": False})
    traders = [await user_factory() for _ in range(4)]
    for trader in traders:
        await join(client, contest_id, trader)
    bids = {0: ("9.90", "9.85", "9.80"), 1: ("9.90",), 2: ("9.85", "9.70"), 3: ("9.95",)}
    for n, prices in bids.items():
        for price in prices:
            placed = await place(
                client, contest_id, traders[n], order("buy", 100, limit_price=price)
            )
            assert placed["status"] == "open"
    async with sessionmaker.begin() as tick:
        await set_price(tick, MAIN, "9.75")  # crosses every bid but the one at 9.70
    assert await match(sessionmaker, clock.now()) == 6
    for n, prices in bids.items():
        book = await portfolio(client, contest_id, traders[n])
        crossed = [price for price in prices if price != "9.70"]
        assert book["positions"][0]["quantity"] == 100 * len(crossed)
    assert await db.scalar(sa.text("SELECT count(*) FROM contest_resting_order")) == 1
    assert await cash_journal_breaks(db) == []
    assert await fees_off_the_rules(db) == []
