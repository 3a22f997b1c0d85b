"""Placing and cancelling orders, inside the caller's transaction.

Placing an order first counts it against the entry's order rate with one conditional update of
the entry row. That row lock is held until the transaction ends, so one entry's orders are
decided one after the other on fresh figures: two orders racing for the last cash or the last
shares cannot both fill. The value-moving writes are conditional updates as well (cash available
>= cost, sellable shares >= quantity), so the books never go wrong even if that changes.

A well-formed order that breaks a market or contest rule is stored `rejected` with its reason.
Orders placed while an `exchange` contest's market is closed are refused (`market_closed`), not
queued for the open: the app shows the reason and the next open.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from gamification.contests import _order_statements as statements
from gamification.contests.books import (
    SharesMove,
    add_bought_shares,
)
from gamification.contests.calendar import TradingCalendar
from gamification.contests.definitions import get_contest, is_running, rules_of
from gamification.contests.entries import entry_id_of
from gamification.contests.errors import (
    ClientOrderIdReused,
    OrderRateLimited,
)
from gamification.contests.market_models import Instrument, Quote
from gamification.contests.models import (
    Contest,
    ContestEntry,
    ContestFill,
    ContestOrder,
)
from gamification.contests.rules import (
    Decision,
    Fees,
    Holdings,
    LotRule,
    OrderIntent,
    OrderStatus,
    OrderType,
    RejectReason,
    Side,
    Tradable,
    decide,
    fees_for,
    notional_of,
    price_band,
)

RATE_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class OrderRequest:
    symbol: str
    side: Side
    type: OrderType
    quantity: int
    limit_price: Decimal | None
    client_order_id: str
    request_hash: str  # of the whole body: the same client_order_id with another body is a 409


@dataclass(frozen=True)
class PlacedOrder:
    order: ContestOrder
    replayed: bool  # the client_order_id was seen before: this is that order


@dataclass(frozen=True)
class Market:
    instrument: Instrument
    quote: Quote

    def tradable(self) -> Tradable:
        return Tradable(
            lot=LotRule(self.instrument.lot_size, self.instrument.lot_step),
            tick_size=self.instrument.tick_size,
            limit_pct=self.instrument.limit_pct,
            prev_close=self.quote.prev_close,
            last_price=self.quote.last_price,
            t_plus_zero=self.instrument.t_plus_zero,
        )


async def place_order(
    db: AsyncSession,
    *,
    contest_id: uuid.UUID,
    user_id: uuid.UUID,
    request: OrderRequest,
    now: datetime,
    per_minute: int,
    calendar: TradingCalendar,
) -> PlacedOrder:
    contest = await get_contest(db, contest_id)
    entry_id = await entry_id_of(db, contest_id, user_id)
    existing = await _existing(db, entry_id, request)
    if existing is not None:
        return PlacedOrder(existing, replayed=True)
    cash, cash_held = await _count_order(db, entry_id, now=now, per_minute=per_minute)
    existing = await _existing(db, entry_id, request)  # a duplicate committed while we waited
    if existing is not None:
        return PlacedOrder(existing, replayed=True)
    order = _new_order(contest, entry_id, user_id, request, now=now, calendar=calendar)
    reason = _contest_problem(contest, now, calendar)
    market = None if reason else await _market_in_universe(db, contest, request.symbol)
    if market is None:
        return PlacedOrder(await _reject(db, order, reason or RejectReason.NOT_IN_UNIVERSE), False)
    holdings = await _holdings(db, contest, entry_id, market, cash - cash_held, order)
    decision = decide(_intent(request), market.tradable(), holdings, rules_of(contest))
    return PlacedOrder(await _carry_out(db, contest, order, market, decision), replayed=False)


async def _existing(
    db: AsyncSession, entry_id: uuid.UUID, request: OrderRequest
) -> ContestOrder | None:
    params = {"entry_id": entry_id, "client_order_id": request.client_order_id}
    order = (await db.execute(statements.EXISTING, params)).scalar_one_or_none()
    if order is not None and order.request_hash != request.request_hash:
        raise ClientOrderIdReused(client_order_id=request.client_order_id)
    return order


async def _count_order(
    db: AsyncSession, entry_id: uuid.UUID, *, now: datetime, per_minute: int
) -> tuple[Decimal, Decimal]:
    """Count one order in the entry's window and return its (cash, cash held), or a 429."""
    row = (
        await db.execute(
            statements.COUNT_ORDER,
            {
                "entry_id": entry_id,
                "window_start": now - RATE_WINDOW,
                "per_minute": per_minute,
                "now": now,
            },
        )
    ).one_or_none()
    if row is None:
        started = await db.scalar(
            sa.select(col(ContestEntry.orders_window_started_at)).where(
                col(ContestEntry.id) == entry_id
            )
        )
        assert started is not None  # the window is full, so it has a start
        retry_after = max(1, int((started + RATE_WINDOW - now).total_seconds()) + 1)
        raise OrderRateLimited(per_minute=per_minute, retry_after_seconds=retry_after)
    return row[0], row[1]


def _new_order(
    contest: Contest,
    entry_id: uuid.UUID,
    user_id: uuid.UUID,
    request: OrderRequest,
    *,
    now: datetime,
    calendar: TradingCalendar,
) -> ContestOrder:
    day = calendar.trading_day(now)
    return ContestOrder(
        id=new_id(),
        contest_id=contest.id,
        entry_id=entry_id,
        user_id=user_id,
        client_order_id=request.client_order_id,
        request_hash=request.request_hash,
        symbol=request.symbol,
        side=request.side,
        type=request.type,
        quantity=request.quantity,
        limit_price=request.limit_price,
        status=OrderStatus.OPEN,
        trading_day=day,
        expires_at=min(calendar.close_of(day), contest.ends_at).astimezone(UTC),
        created_at=now,
        updated_at=now,
    )


def _contest_problem(
    contest: Contest, now: datetime, calendar: TradingCalendar
) -> RejectReason | None:
    if not is_running(contest, now):
        return RejectReason.CONTEST_NOT_RUNNING
    if contest.market_hours == "exchange" and not calendar.is_open(now):
        return RejectReason.MARKET_CLOSED
    return None


async def _market_in_universe(db: AsyncSession, contest: Contest, symbol: str) -> Market | None:
    row = (await db.execute(statements.MARKET, {"symbol": symbol})).one_or_none()
    if row is None:
        return None
    instrument, quote = row
    everything = not contest.universe_symbols and not contest.universe_boards
    if (
        everything
        or symbol in contest.universe_symbols
        or instrument.board in contest.universe_boards
    ):
        return Market(instrument, quote)
    return None


async def _holdings(
    db: AsyncSession,
    contest: Contest,
    entry_id: uuid.UUID,
    market: Market,
    cash_available: Decimal,
    order: ContestOrder,
) -> Holdings:
    params = {"entry_id": entry_id, "symbol": order.symbol}
    position = (await db.execute(statements.POSITION, params)).scalar_one_or_none()
    quantity = position.quantity if position else 0
    unreserved = quantity - (position.reserved if position else 0)
    locked = position.bought_today if position and position.bought_on == order.trading_day else 0
    equity = cash_available
    if contest.concentration_cap_pct is not None:  # only the cap needs the whole portfolio
        cash_total = await db.scalar(
            sa.select(col(ContestEntry.cash)).where(col(ContestEntry.id) == entry_id)
        )
        equity = Decimal(cash_total or 0) + Decimal(
            await db.scalar(statements.POSITIONS_VALUE, params) or 0
        )
    return Holdings(
        cash_available=cash_available,
        equity=equity,
        unreserved=unreserved,
        sellable=max(0, unreserved - locked),
        position_value=market.quote.last_price * quantity,
    )


def _intent(request: OrderRequest) -> OrderIntent:
    return OrderIntent(request.side, request.type, request.quantity, request.limit_price)


async def _carry_out(
    db: AsyncSession, contest: Contest, order: ContestOrder, market: Market, decision: Decision
) -> ContestOrder:
    if decision.reject is not None:
        return await _reject(db, order, decision.reject)
    if decision.fill_price is not None:
        return await _fill_now(db, contest, order, market, decision.fill_price)
    return await _rest(db, contest, order, market)


async def _reject(db: AsyncSession, order: ContestOrder, reason: RejectReason) -> ContestOrder:
    order.status = OrderStatus.REJECTED
    order.reject_reason = reason
    await db.execute(statements.INSERT_ORDER, order.model_dump())
    return order


async def _fill_now(
    db: AsyncSession, contest: Contest, order: ContestOrder, market: Market, price: Decimal
) -> ContestOrder:
    notional = notional_of(order.quantity, price)
    fees = fees_for(Side(order.side), notional, rules_of(contest).fees)
    params = _params(order)
    if order.side == Side.BUY:
        delta = -(notional + fees.total)
        if await db.scalar(statements.PAY, {**params, "delta": delta, "fees": fees.total}) is None:
            return await _reject(db, order, RejectReason.INSUFFICIENT_CASH)
        move = SharesMove(order.entry_id, order.symbol, order.user_id, order.quantity, -delta)
        await add_bought_shares(db, [move], day=order.trading_day)
    else:
        delta = notional - fees.total
        sold = await db.scalar(
            statements.SELL_NOW,
            {**params, "t_plus_one": _t_plus_one(contest, market), "day": order.trading_day},
        )
        if sold is None:
            return await _reject(db, order, RejectReason.INSUFFICIENT_SHARES)
        if await db.scalar(statements.PAY, {**params, "delta": delta, "fees": fees.total}) is None:
            raise AssertionError("a checked sell left the cash negative")  # pragma: no cover
    _mark_filled(order, price, fees)
    await db.execute(statements.INSERT_ORDER, order.model_dump())
    await db.execute(statements.INSERT_FILL, _fill_of(order, market, notional, delta).model_dump())
    return order


def _params(order: ContestOrder) -> dict[str, object]:
    return {
        "entry_id": order.entry_id,
        "position_entry_id": order.entry_id,
        "position_symbol": order.symbol,
        "shares": order.quantity,
    }


def _t_plus_one(contest: Contest, market: Market) -> bool:
    return contest.t_plus_one and not market.instrument.t_plus_zero


def _mark_filled(order: ContestOrder, price: Decimal, fees: Fees) -> None:
    order.status = OrderStatus.FILLED
    order.filled_quantity = order.quantity
    order.avg_fill_price = price
    order.commission = fees.commission
    order.stamp_duty = fees.stamp_duty
    order.transfer_fee = fees.transfer_fee


def _fill_of(order: ContestOrder, market: Market, notional: Decimal, delta: Decimal) -> ContestFill:
    assert order.avg_fill_price is not None
    _, limit_up = price_band(
        market.quote.prev_close, market.instrument.limit_pct, market.instrument.tick_size
    )
    return ContestFill(
        id=new_id(),
        order_id=order.id,
        contest_id=order.contest_id,
        entry_id=order.entry_id,
        user_id=order.user_id,
        symbol=order.symbol,
        side=order.side,
        quantity=order.quantity,
        price=order.avg_fill_price,
        notional=notional,
        commission=order.commission,
        stamp_duty=order.stamp_duty,
        transfer_fee=order.transfer_fee,
        cash_delta=delta,
        at_limit_up=order.side == Side.BUY and order.avg_fill_price >= limit_up,
        trading_day=order.trading_day,
        filled_at=order.updated_at,
    )


async def _rest(
    db: AsyncSession, contest: Contest, order: ContestOrder, market: Market
) -> ContestOrder:
    """Set aside what the order needs to fill at its limit, then leave it open."""
    assert order.limit_price is not None
    params = _params(order)
    if order.side == Side.BUY:
        notional = notional_of(order.quantity, order.limit_price)
        hold = notional + fees_for(Side.BUY, notional, rules_of(contest).fees).total
        if await db.scalar(statements.HOLD_CASH, {**params, "hold": hold}) is None:
            return await _reject(db, order, RejectReason.INSUFFICIENT_CASH)
        order.cash_held = hold
    else:
        t_plus_one = _t_plus_one(contest, market)
        reserved = await db.scalar(
            statements.RESERVE, {**params, "t_plus_one": t_plus_one, "day": order.trading_day}
        )
        if reserved is None:
            return await _reject(db, order, RejectReason.INSUFFICIENT_SHARES)
    await db.execute(statements.INSERT_ORDER, order.model_dump())
    return order


__all__ = ["OrderRequest", "PlacedOrder", "place_order"]
