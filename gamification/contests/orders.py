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
from gamification.contests.books import (
    CashMove,
    SharesMove,
    add_bought_shares,
    move_cash,
    release_reserved_shares,
)
from gamification.contests.calendar import TradingCalendar
from gamification.contests.definitions import get_contest, is_running, rules_of
from gamification.contests.errors import (
    ClientOrderIdReused,
    NotJoined,
    OrderNotFound,
    OrderNotOpen,
    OrderRateLimited,
)
from gamification.contests.market_models import Instrument, Quote
from gamification.contests.models import (
    Contest,
    ContestEntry,
    ContestFill,
    ContestOrder,
    ContestPosition,
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


_ENTRY_ID = sa.select(col(ContestEntry.id)).where(
    col(ContestEntry.contest_id) == sa.bindparam("contest_id"),
    col(ContestEntry.user_id) == sa.bindparam("user_id"),
)
_EXISTING = sa.select(ContestOrder).where(
    col(ContestOrder.entry_id) == sa.bindparam("entry_id"),
    col(ContestOrder.client_order_id) == sa.bindparam("client_order_id"),
)
_window_started = col(ContestEntry.orders_window_started_at)
_stale = sa.or_(_window_started.is_(None), _window_started <= sa.bindparam("window_start"))
# Counts one order in the entry's one-minute window, or finds the window full (no row).
_COUNT_ORDER = (
    sa.update(ContestEntry)
    .where(
        col(ContestEntry.id) == sa.bindparam("entry_id"),
        sa.or_(_stale, col(ContestEntry.orders_in_window) < sa.bindparam("per_minute")),
    )
    .values(
        orders_in_window=sa.case((_stale, 1), else_=col(ContestEntry.orders_in_window) + 1),
        orders_window_started_at=sa.case((_stale, sa.bindparam("now")), else_=_window_started),
    )
    .returning(col(ContestEntry.cash), col(ContestEntry.cash_held))
)
_MARKET = (
    sa.select(Instrument, Quote)
    .join(Quote, col(Quote.symbol) == col(Instrument.symbol))
    .where(col(Instrument.symbol) == sa.bindparam("symbol"))
)
_POSITION = sa.select(ContestPosition).where(
    col(ContestPosition.entry_id) == sa.bindparam("entry_id"),
    col(ContestPosition.symbol) == sa.bindparam("symbol"),
)
_POSITIONS_VALUE = (
    sa.select(
        sa.func.coalesce(sa.func.sum(col(ContestPosition.quantity) * col(Quote.last_price)), 0)
    )
    .join(Quote, col(Quote.symbol) == col(ContestPosition.symbol))
    .where(col(ContestPosition.entry_id) == sa.bindparam("entry_id"))
)
_available_cash = col(ContestEntry.cash) - col(ContestEntry.cash_held)
_PAY = (
    sa.update(ContestEntry)
    .where(
        col(ContestEntry.id) == sa.bindparam("entry_id"),
        _available_cash + sa.bindparam("delta") >= 0,
    )
    .values(
        cash=col(ContestEntry.cash) + sa.bindparam("delta"),
        fees_paid=col(ContestEntry.fees_paid) + sa.bindparam("fees"),
    )
    .returning(col(ContestEntry.id))
)
_HOLD_CASH = (
    sa.update(ContestEntry)
    .where(
        col(ContestEntry.id) == sa.bindparam("entry_id"),
        _available_cash >= sa.bindparam("hold"),
    )
    .values(cash_held=col(ContestEntry.cash_held) + sa.bindparam("hold"))
    .returning(col(ContestEntry.id))
)
_locked_today = sa.case(
    (
        sa.and_(
            sa.bindparam("t_plus_one", type_=sa.Boolean),
            col(ContestPosition.bought_on) == sa.bindparam("day"),
        ),
        col(ContestPosition.bought_today),
    ),
    else_=0,
)
_sellable = col(ContestPosition.quantity) - col(ContestPosition.reserved) - _locked_today
# Not the columns' own names: an UPDATE reserves those for its SET clause.
_position_key = sa.and_(
    col(ContestPosition.entry_id) == sa.bindparam("position_entry_id"),
    col(ContestPosition.symbol) == sa.bindparam("position_symbol"),
)
_quantity = sa.bindparam("shares", type_=sa.BigInteger)
_SELL_NOW = (
    sa.update(ContestPosition)
    .where(_position_key, _sellable >= _quantity)
    .values(
        quantity=col(ContestPosition.quantity) - _quantity,
        cost=sa.case(
            (col(ContestPosition.quantity) == _quantity, 0),
            else_=col(ContestPosition.cost)
            - sa.func.round(
                col(ContestPosition.cost) * _quantity / col(ContestPosition.quantity), 2
            ),
        ),
        bought_today=sa.func.least(
            col(ContestPosition.bought_today), col(ContestPosition.quantity) - _quantity
        ),
    )
    .returning(col(ContestPosition.entry_id))
)
_RESERVE = (
    sa.update(ContestPosition)
    .where(_position_key, _sellable >= _quantity)
    .values(reserved=col(ContestPosition.reserved) + _quantity)
    .returning(col(ContestPosition.entry_id))
)
_INSERT_ORDER = sa.insert(ContestOrder.__table__)  # type: ignore[attr-defined]
_INSERT_FILL = sa.insert(ContestFill.__table__)  # type: ignore[attr-defined]


async def entry_id_of(db: AsyncSession, contest_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID:
    entry_id = await db.scalar(_ENTRY_ID, {"contest_id": contest_id, "user_id": user_id})
    if entry_id is None:
        raise NotJoined("Join the contest before trading in it.")
    return entry_id


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
    order = (await db.execute(_EXISTING, params)).scalar_one_or_none()
    if order is not None and order.request_hash != request.request_hash:
        raise ClientOrderIdReused(
            f"client_order_id {request.client_order_id!r} was used for another order."
        )
    return order


async def _count_order(
    db: AsyncSession, entry_id: uuid.UUID, *, now: datetime, per_minute: int
) -> tuple[Decimal, Decimal]:
    """Count one order in the entry's window and return its (cash, cash held), or a 429."""
    row = (
        await db.execute(
            _COUNT_ORDER,
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
            sa.select(_window_started).where(col(ContestEntry.id) == entry_id)
        )
        assert started is not None  # the window is full, so it has a start
        retry_after = max(1, int((started + RATE_WINDOW - now).total_seconds()) + 1)
        raise OrderRateLimited(
            f"At most {per_minute} orders a minute per entry.", retry_after_seconds=retry_after
        )
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
    row = (await db.execute(_MARKET, {"symbol": symbol})).one_or_none()
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
    position = (await db.execute(_POSITION, params)).scalar_one_or_none()
    quantity = position.quantity if position else 0
    unreserved = quantity - (position.reserved if position else 0)
    locked = position.bought_today if position and position.bought_on == order.trading_day else 0
    equity = cash_available
    if contest.concentration_cap_pct is not None:  # only the cap needs the whole portfolio
        cash_total = await db.scalar(
            sa.select(col(ContestEntry.cash)).where(col(ContestEntry.id) == entry_id)
        )
        equity = Decimal(cash_total or 0) + Decimal(await db.scalar(_POSITIONS_VALUE, params) or 0)
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
    await db.execute(_INSERT_ORDER, order.model_dump())
    return order


async def _fill_now(
    db: AsyncSession, contest: Contest, order: ContestOrder, market: Market, price: Decimal
) -> ContestOrder:
    notional = notional_of(order.quantity, price)
    fees = fees_for(Side(order.side), notional, rules_of(contest).fees)
    params = _params(order)
    if order.side == Side.BUY:
        delta = -(notional + fees.total)
        if await db.scalar(_PAY, {**params, "delta": delta, "fees": fees.total}) is None:
            return await _reject(db, order, RejectReason.INSUFFICIENT_CASH)
        move = SharesMove(order.entry_id, order.symbol, order.user_id, order.quantity, -delta)
        await add_bought_shares(db, [move], day=order.trading_day)
    else:
        delta = notional - fees.total
        sold = await db.scalar(
            _SELL_NOW,
            {**params, "t_plus_one": _t_plus_one(contest, market), "day": order.trading_day},
        )
        if sold is None:
            return await _reject(db, order, RejectReason.INSUFFICIENT_SHARES)
        if await db.scalar(_PAY, {**params, "delta": delta, "fees": fees.total}) is None:
            raise AssertionError("a checked sell left the cash negative")  # pragma: no cover
    _mark_filled(order, price, fees)
    await db.execute(_INSERT_ORDER, order.model_dump())
    await db.execute(_INSERT_FILL, _fill_of(order, market, notional, delta).model_dump())
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
        if await db.scalar(_HOLD_CASH, {**params, "hold": hold}) is None:
            return await _reject(db, order, RejectReason.INSUFFICIENT_CASH)
        order.cash_held = hold
    else:
        t_plus_one = _t_plus_one(contest, market)
        reserved = await db.scalar(
            _RESERVE, {**params, "t_plus_one": t_plus_one, "day": order.trading_day}
        )
        if reserved is None:
            return await _reject(db, order, RejectReason.INSUFFICIENT_SHARES)
    await db.execute(_INSERT_ORDER, order.model_dump())
    return order


async def cancel_order(
    db: AsyncSession,
    *,
    contest_id: uuid.UUID,
    user_id: uuid.UUID,
    order_id: uuid.UUID,
    now: datetime,
) -> ContestOrder:
    """Cancel an open order and give back what it held; 409 once it filled or ended."""
    entry_id = await entry_id_of(db, contest_id, user_id)
    order = (
        await db.execute(
            sa.select(ContestOrder)
            .where(col(ContestOrder.id) == order_id, col(ContestOrder.entry_id) == entry_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if order is None:
        raise OrderNotFound("No such order in your entry.")
    if order.status != OrderStatus.OPEN or order.expires_at <= now:
        raise OrderNotOpen(f"The order is {order.status}.")
    await release_holds(db, [order])
    order.status = OrderStatus.CANCELLED
    order.cash_held = Decimal("0.00")
    order.updated_at = now
    await db.flush()
    return order


async def release_holds(db: AsyncSession, orders: list[ContestOrder]) -> None:
    """Give back the cash and shares that open orders set aside (they are locked by the caller)."""
    cash: dict[uuid.UUID, CashMove] = {}
    shares = []
    for order in orders:
        if order.side == Side.BUY:
            cash.setdefault(order.entry_id, CashMove()).released += order.cash_held
        else:
            shares.append(SharesMove(order.entry_id, order.symbol, order.user_id, order.quantity))
    await move_cash(db, cash)
    await release_reserved_shares(db, shares)


async def list_orders(
    db: AsyncSession,
    *,
    contest_id: uuid.UUID,
    user_id: uuid.UUID,
    status: str | None,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[ContestOrder]:
    """The caller's orders in the contest, newest first."""
    entry_id = await entry_id_of(db, contest_id, user_id)
    query = sa.select(ContestOrder).where(col(ContestOrder.entry_id) == entry_id)
    if status is not None:
        query = query.where(col(ContestOrder.status) == status)
    if after is not None:
        query = query.where(
            sa.tuple_(col(ContestOrder.created_at), col(ContestOrder.id)) < sa.tuple_(*after)
        )
    query = query.order_by(col(ContestOrder.created_at).desc(), col(ContestOrder.id).desc())
    return list(await db.scalars(query.limit(limit)))


__all__ = [
    "OrderRequest",
    "PlacedOrder",
    "cancel_order",
    "entry_id_of",
    "list_orders",
    "place_order",
    "release_holds",
]
