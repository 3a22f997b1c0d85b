"""`contest_place_order` (migration 0025, restated by 0054) called directly in SQL: its
outcomes, its fees against `rules.fees_for`, its decisions against `rules.decide`, and that
placing an order over HTTP is that one statement."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.clock import FrozenClock
from gamification.contests.calendar import market_calendar
from gamification.contests.rules import (
    ContestRules,
    FeeSchedule,
    Holdings,
    LotRule,
    OrderIntent,
    OrderType,
    Side,
    Tradable,
    decide,
    fees_for,
    notional_of,
)
from tests.contests.trading_helpers import (
    ETF,
    GOLD,
    INSTRUMENTS,
    MAIN,
    STAR,
    create_contest,
    join,
    learner,
    marketer,
    order,
    set_price,
    trading_market,
)
from tests.factories import TestUser
from tests.statements import statements_sent

__all__ = ["learner", "marketer", "trading_market"]  # fixtures used by name
D = Decimal
PLACE = sa.text(
    "SELECT r.outcome, r.retry_after, (r.placed).* FROM contest_place_order(:contest_id, "
    ":user_id, :order_id, :client_order_id, :request_hash, :symbol, :side, :type, :quantity, "
    ":limit_price, :now, :per_minute, :market_open, :day, :closes_at) AS r"
)


async def sql_place(
    db: AsyncSession,
    contest_id: str | uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
    side: str = "buy",
    quantity: int = 100,
    symbol: str = MAIN,
    limit_price: str | None = None,
    client_order_id: str | None = None,
    request_hash: str = "h",
    per_minute: int = 60,
) -> Any:
    calendar = market_calendar()
    day = calendar.trading_day(now)
    params = {
        "contest_id": uuid.UUID(str(contest_id)),
        "user_id": user_id,
        "order_id": uuid.uuid4(),
        "client_order_id": client_order_id or uuid.uuid4().hex,
        "request_hash": request_hash,
        "symbol": symbol,
        "side": side,
        "type": "market" if limit_price is None else "limit",
        "quantity": quantity,
        "limit_price": None if limit_price is None else D(limit_price),
        "now": now,
        "per_minute": per_minute,
        "market_open": calendar.is_open(now),
        "day": day,
        "closes_at": calendar.close_of(day).astimezone(UTC),
    }
    return (await db.execute(PLACE, params)).one()


async def test_the_outcomes_other_than_an_order(
    client: AsyncClient,
    db: AsyncSession,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    trading_market: None,
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    now = clock.now()
    assert (await sql_place(db, uuid.uuid4(), learner.id, now)).outcome == "contest_not_found"
    assert (await sql_place(db, contest_id, learner.id, now)).outcome == "not_joined"
    await join(client, contest_id, learner)
    first = await sql_place(db, contest_id, learner.id, now, client_order_id="a")
    assert (first.outcome, first.status, first.retry_after) == ("placed", "filled", None)
    again = await sql_place(db, contest_id, learner.id, now, client_order_id="a", quantity=999)
    assert (again.outcome, again.id, again.quantity) == ("replayed", first.id, 100)
    reused = await sql_place(db, contest_id, learner.id, now, client_order_id="a", request_hash="x")
    assert (reused.outcome, reused.id) == ("client_order_id_reused", first.id)
    later = now + timedelta(seconds=20)
    assert (await sql_place(db, contest_id, learner.id, later, per_minute=2)).outcome == "placed"
    limited = await sql_place(db, contest_id, learner.id, later, per_minute=2)
    # The window opened at `now` with the first order: it reopens 40 s after `later`.
    assert (limited.outcome, limited.retry_after, limited.id) == ("rate_limited", 41, None)
    orders = await db.scalar(sa.text("SELECT count(*) FROM contest_order"))
    assert orders == 2  # neither the replays nor the refused order were written


async def test_fills_pay_the_fees_of_rules_fees_for_to_the_fen(
    client: AsyncClient,
    db: AsyncSession,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    trading_market: None,
) -> None:
    rates = {"commission_rate": "0.0003", "commission_min": "1", "stamp_duty_rate": "0.001"}
    contest_id = await create_contest(
        client, marketer, clock.now(), starting_cash="100000000", rules=rates
    )
    await join(client, contest_id, learner)
    schedule = FeeSchedule(D("0.0003"), D("1"), D("0.001"), D("0.00001"))
    now = clock.now()
    trades = [
        (MAIN, "10.00", 100), (MAIN, "10.05", 1_000), (MAIN, "10.99", 300), (ETF, "3.457", 100),
        (ETF, "3.455", 4_500), (STAR, "50.01", 201), (STAR, "49.99", 12_345), (MAIN, "9.01", 700),
    ]  # fmt: skip
    for symbol, price, quantity in trades:
        await set_price(db, symbol, price)
        bought = await sql_place(db, contest_id, learner.id, now, "buy", quantity, symbol)
        sold = await sql_place(
            db, contest_id, learner.id, now + timedelta(days=1), "sell", quantity, symbol
        )
        for row, side in ((bought, Side.BUY), (sold, Side.SELL)):
            notional = notional_of(quantity, D(price))
            fees = fees_for(side, notional, schedule)
            assert (row.status, row.avg_fill_price) == ("filled", D(price)), (symbol, side)
            assert (row.commission, row.stamp_duty, row.transfer_fee) == (
                fees.commission,
                fees.stamp_duty,
                fees.transfer_fee,
            ), (symbol, price, quantity, side)
            fill = (
                await db.execute(
                    sa.text(
                        "SELECT notional, cash_delta FROM contest_all_fills WHERE order_id = :o"
                    ),
                    {"o": row.id},
                )
            ).one()
            sign = -1 if side is Side.BUY else 1
            assert fill == (notional, sign * notional - fees.total)


async def _holdings(
    db: AsyncSession, contest_id: str, user_id: uuid.UUID, symbol: str, day: Any
) -> Holdings:
    cash, held = (
        await db.execute(
            sa.text(
                "SELECT cash, cash_held FROM contest_entry WHERE contest_id = :c AND user_id = :u"
            ),
            {"c": uuid.UUID(contest_id), "u": user_id},
        )
    ).one()
    position = (
        await db.execute(
            sa.text(
                "SELECT p.quantity, p.reserved, p.bought_today, p.bought_on FROM contest_position "
                "p JOIN contest_entry e ON e.id = p.entry_id WHERE e.contest_id = :c AND "
                "e.user_id = :u AND p.symbol = :s"
            ),
            {"c": uuid.UUID(contest_id), "u": user_id, "s": symbol},
        )
    ).one_or_none()
    quantity, reserved, today, on = position or (0, 0, 0, None)
    locked = today if on == day else 0
    return Holdings(
        cash_available=cash - held,
        equity=cash - held,
        unreserved=quantity - reserved,
        sellable=max(0, quantity - reserved - locked),
        position_value=D(0),
    )


async def test_the_function_decides_as_rules_decide(
    client: AsyncClient,
    db: AsyncSession,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    trading_market: None,
) -> None:
    contest_id = await create_contest(client, marketer, clock.now(), starting_cash="20000")
    await join(client, contest_id, learner)
    now = clock.now()
    day = market_calendar().trading_day(now)
    rules = ContestRules()
    attempts = [
        ("buy", 150, MAIN, None), ("buy", 100, MAIN, "10.005"), ("buy", 100, MAIN, "11.01"),
        ("buy", 100, MAIN, "8.99"), ("buy", 100, MAIN, "9.00"), ("buy", 1_000, MAIN, None),
        ("buy", 1_000, MAIN, "11.00"), ("sell", 100, MAIN, None), ("sell", 2_000, MAIN, None),
        ("sell", 50, MAIN, "10.00"), ("buy", 199, STAR, None), ("buy", 201, STAR, "49.99"),
        ("buy", 200, STAR, None), ("buy", 100, ETF, "3.4561"), ("buy", 100, ETF, "3.456"),
        ("buy", 100, GOLD, None), ("sell", 100, GOLD, "5.001"), ("sell", 100, GOLD, "4.999"),
        ("buy", 100, MAIN, "10.00"), ("buy", 100_000, MAIN, "9.50"),
    ]  # fmt: skip
    for side, quantity, symbol, limit in attempts:
        _, _, lot, step, tick, pct, price, t0 = INSTRUMENTS[symbol]
        tradable = Tradable(LotRule(lot, step), D(tick), D(pct), D(price), D(price), t0)
        holdings = await _holdings(db, contest_id, learner.id, symbol, day)
        intent = OrderIntent(
            Side(side),
            OrderType.MARKET if limit is None else OrderType.LIMIT,
            quantity,
            None if limit is None else D(limit),
        )
        expected = decide(intent, tradable, holdings, rules)
        row = await sql_place(db, contest_id, learner.id, now, side, quantity, symbol, limit)
        status = "rejected" if expected.reject else "filled" if expected.fill_price else "open"
        assert (row.status, row.reject_reason) == (status, expected.reject), (side, quantity, limit)


async def test_placing_an_order_is_one_statement(
    client: AsyncClient,
    engine: AsyncEngine,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    trading_market: None,
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    with statements_sent(engine) as sent:
        response = await client.post(
            f"/v1/contests/{contest_id}/orders", json=order(), headers=learner.headers
        )
    assert response.json()["status"] == "filled"
    # The caller's account, which authentication reads, then the order and its report to the
    # quests, badges and league in one statement, both straight to the driver: the route opens
    # no transaction (not even the tests' savepoint), the statement commits by itself.
    assert len(sent) == 2, sent
    assert sent[0].startswith("SELECT user_account.id,")
    assert "FROM contest_place_order_reported(" in sent[1]


async def test_reading_the_portfolio_is_one_statement(
    client: AsyncClient,
    engine: AsyncEngine,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    trading_market: None,
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    await client.post(f"/v1/contests/{contest_id}/orders", json=order(), headers=learner.headers)
    with statements_sent(engine) as sent:
        response = await client.get(f"/v1/contests/{contest_id}/portfolio", headers=learner.headers)
    assert [p["symbol"] for p in response.json()["positions"]] == [order()["symbol"]]
    # The caller's account, then the entry with its positions valued in one read, both straight
    # to the driver, outside any transaction (not even the tests' savepoint).
    assert len(sent) == 2, sent
    assert sent[0].startswith("SELECT user_account.id,")
    assert "FROM contest_entry e" in sent[1]


async def test_a_resting_buy_writes_its_position_row_empty_where_there_is_none(
    client: AsyncClient,
    db: AsyncSession,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    trading_market: None,
) -> None:
    """So that the market tick's fill updates a row (migration 0046); a sell or an order that
    fills at once writes no empty row, and a held position is left as it is."""
    contest_id = await create_contest(client, marketer, clock.now(), rules={"t_plus_one": False})
    await join(client, contest_id, learner)
    now = clock.now()
    positions = sa.text(
        "SELECT symbol, quantity, reserved, bought_today, bought_on, cost FROM contest_position"
        " ORDER BY symbol"
    )
    resting = await sql_place(db, contest_id, learner.id, now, symbol=ETF, limit_price="3.400")
    assert resting.status == "open"
    assert [tuple(row) for row in await db.execute(positions)] == [(ETF, 0, 0, 0, None, 0)]
    assert (await sql_place(db, contest_id, learner.id, now)).status == "filled"
    held = [tuple(row) for row in await db.execute(positions)]
    for side, price in (("buy", "9.00"), ("sell", "11.00")):
        placed = await sql_place(db, contest_id, learner.id, now, side=side, limit_price=price)
        assert (placed.side, placed.status) == (side, "open")
    after = [tuple(row) for row in await db.execute(positions)]
    assert after[0] == held[0]  # the ETF's empty row
    assert after[1][:3] == (MAIN, 100, 100)  # the resting sell reserved its shares
    assert after[1][3:] == held[1][3:]


async def test_the_previous_release_call_places_the_same_order(
    client: AsyncClient,
    db: AsyncSession,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    trading_market: None,
) -> None:
    """A replica still on the release before migration 0054 sends a fill id too: its call
    places the order as the new one does, the fill on the order row, no journal row."""
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    now = clock.now()
    day = market_calendar().trading_day(now)
    placed = (
        await db.execute(
            sa.text(
                "SELECT r.outcome, (r.placed).* FROM contest_place_order_reported(:contest_id,"
                " :user_id, :order_id, :fill_id, 'old-replica', 'h', :symbol, 'buy', 'market',"
                " 100, NULL, :now, 60, true, :day, :closes_at, :day, :day, 1000, 3, 3, 5, 30) AS r"
            ),
            {
                "contest_id": uuid.UUID(contest_id),
                "user_id": learner.id,
                "order_id": uuid.uuid4(),
                "fill_id": uuid.uuid4(),
                "symbol": MAIN,
                "now": now,
                "day": day,
                "closes_at": market_calendar().close_of(day).astimezone(UTC),
            },
        )
    ).one()
    assert (placed.outcome, placed.status, placed.filled_at) == ("placed", "filled", now)
    assert await db.scalar(sa.text("SELECT count(*) FROM contest_fill")) == 0
    fills = sa.text("SELECT count(*) FROM contest_all_fills WHERE order_id = :o")
    assert await db.scalar(fills, {"o": placed.id}) == 1
