"""Placing an order: one statement, `contest_place_order_reported` (migrations 0035 and 0054),
with the trading calendar's answers for the moment of the order. It calls `contest_place_order`
(migration 0025, restated by 0054), which decides and carries out the order, then leaves an
order placed (not rejected) in the engagement outbox as `practice_order` under the reference
`order:{id}` (migration 0051: counted for the quests, badges and league after the commit),
under the knobs the caller passes (`engagement`, the api layer's: contests stay unaware of the
engagement's imports). One statement is atomic: the route needs no transaction.

The function first locks the caller's entry row (`FOR NO KEY UPDATE`) in the read of its
contest's rules, held until the statement's transaction ends, so one entry's orders are decided
one after the other on fresh figures: two orders racing for the last cash or the last shares
cannot both fill, and a `client_order_id` looked for under that lock is seen even if its first
order committed a moment before. It reads the instrument, its quote and the entry's position in
one more statement, then updates the entry row once, at the end (the order rate, the cash, the
cash held and the fees), conditionally: an order that takes cash must leave the available cash
>= 0, or the statement raises `check_violation`. A sell's position update is conditional too
(sellable shares >= quantity), so the books never go wrong even if the locking changes. It
checks the order as `rules.decide` does, which remains the rules' specification. An order that
fills at once records its fill on its own row, as the market tick does (`contest_all_fills`
reads every fill).

A well-formed order that breaks a market or contest rule is stored `rejected` with its reason.
Orders placed while an `exchange` contest's market is closed are refused (`market_closed`), not
queued for the open: the app shows the reason and the next open.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.driver_reads import DriverWrite
from core.ids import new_id
from gamification.contests.calendar import TradingCalendar
from gamification.contests.errors import (
    ClientOrderIdReused,
    ContestNotFound,
    NotJoined,
    OrderRateLimited,
)
from gamification.contests.rules import OrderType, Side

# Compiled once and sent straight to the driver: on the order route (driver-only) it commits by
# itself, with no session, transaction or ORM execution around it.
_PLACE = DriverWrite(
    sa.text(
        """
        SELECT r.outcome, r.retry_after, (r.placed).*
        FROM contest_place_order_reported(
            :contest_id, :user_id, :order_id, :client_order_id, :request_hash, :symbol, :side,
            :type, :quantity, :limit_price, :now, :per_minute, :market_open, :trading_day,
            :day_closes_at, :day, :cap_day, :daily_cap, :lot_days, :daily_quests, :highest_tier,
            :cohort_size
        ) AS r
        """
    )
)


@dataclass(frozen=True)
class OrderRequest:
    symbol: str
    side: Side
    type: OrderType
    quantity: int
    limit_price: Decimal | None
    client_order_id: str
    request_hash: str  # of the whole body: the same client_order_id with another body is a 409


class OrderRecord(Protocol):
    """An order's stored columns as an order's answer shows them: a `ContestOrder`, or the row
    the placing statement returns (read as it is: building a table model for it cost more
    than the rest of shaping the answer)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def client_order_id(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def limit_price(self) -> Decimal | None: ...
    @property
    def status(self) -> str: ...
    @property
    def reject_reason(self) -> str | None: ...
    @property
    def filled_quantity(self) -> int: ...
    @property
    def avg_fill_price(self) -> Decimal | None: ...
    @property
    def commission(self) -> Decimal: ...
    @property
    def stamp_duty(self) -> Decimal: ...
    @property
    def transfer_fee(self) -> Decimal: ...
    @property
    def cash_held(self) -> Decimal: ...
    @property
    def trading_day(self) -> date: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


@dataclass(frozen=True)
class PlacedOrder:
    order: OrderRecord
    replayed: bool  # the client_order_id was seen before: this is that order


async def place_order(
    db: AsyncSession,
    *,
    contest_id: uuid.UUID,
    user_id: uuid.UUID,
    request: OrderRequest,
    now: datetime,
    per_minute: int,
    calendar: TradingCalendar,
    engagement: Mapping[str, Any],
) -> PlacedOrder:
    day = calendar.trading_day(now)
    params = dict(engagement) | {
        "contest_id": contest_id,
        "user_id": user_id,
        "order_id": new_id(),
        "client_order_id": request.client_order_id,
        "request_hash": request.request_hash,
        "symbol": request.symbol,
        "side": request.side.value,
        "type": request.type.value,
        "quantity": request.quantity,
        "limit_price": request.limit_price,
        "now": now,
        "per_minute": per_minute,
        "market_open": calendar.is_open(now),
        "trading_day": day,
        "day_closes_at": calendar.close_of(day).astimezone(UTC),
    }
    (row,) = await _PLACE.all(db, **params)
    outcome = row.outcome
    if outcome == "contest_not_found":
        raise ContestNotFound()
    if outcome == "not_joined":
        raise NotJoined()
    if outcome == "rate_limited":
        raise OrderRateLimited(per_minute=per_minute, retry_after_seconds=row.retry_after)
    if outcome == "client_order_id_reused":
        raise ClientOrderIdReused(client_order_id=request.client_order_id)
    return PlacedOrder(cast(OrderRecord, row), replayed=outcome == "replayed")


__all__ = ["OrderRecord", "OrderRequest", "PlacedOrder", "place_order"]
