"""An entry's portfolio: cash, positions at their last prices, equity and return, fees paid."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.contests.calendar import TradingCalendar
from gamification.contests.errors import NotJoined
from gamification.contests.market_models import Instrument, Quote
from gamification.contests.models import Contest, ContestEntry, ContestPosition
from gamification.contests.rules import HUNDRED, to_fen

PRICE_PLACES = Decimal("0.001")

_ENTRY = (
    sa.select(ContestEntry, col(Contest.t_plus_one))
    .join(Contest, col(Contest.id) == col(ContestEntry.contest_id))
    .where(
        col(ContestEntry.contest_id) == sa.bindparam("contest_id"),
        col(ContestEntry.user_id) == sa.bindparam("user_id"),
    )
)
_POSITIONS = (
    sa.select(ContestPosition, Quote, col(Instrument.t_plus_zero))
    .join(Quote, col(Quote.symbol) == col(ContestPosition.symbol))
    .join(Instrument, col(Instrument.symbol) == col(ContestPosition.symbol))
    .where(
        col(ContestPosition.entry_id) == sa.bindparam("entry_id"), col(ContestPosition.quantity) > 0
    )
    .order_by(col(ContestPosition.symbol))
)


@dataclass(frozen=True)
class PositionView:
    symbol: str
    quantity: int
    available: int  # sellable now: not held by open sell orders, not bought today (T+1)
    avg_cost: Decimal  # per share, buy fees included
    last_price: Decimal
    market_value: Decimal
    simulated: bool


@dataclass(frozen=True)
class Portfolio:
    entry_id: uuid.UUID
    starting_cash: Decimal
    cash: Decimal
    cash_available: Decimal  # not held for open buy orders
    positions: list[PositionView]
    equity: Decimal
    return_pct: Decimal
    fees_paid: Decimal


def return_pct(equity: Decimal, starting_cash: Decimal) -> Decimal:
    return ((equity - starting_cash) * HUNDRED / starting_cash).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


async def read_portfolio(
    db: AsyncSession,
    *,
    contest_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
    calendar: TradingCalendar,
) -> Portfolio:
    row = (await db.execute(_ENTRY, {"contest_id": contest_id, "user_id": user_id})).one_or_none()
    if row is None:
        raise NotJoined()
    entry, t_plus_one = row
    today = calendar.trading_day(now)
    positions = []
    for position, quote, t_plus_zero in (
        await db.execute(_POSITIONS, {"entry_id": entry.id})
    ).all():
        locked = (
            position.bought_today
            if t_plus_one and not t_plus_zero and position.bought_on == today
            else 0
        )
        positions.append(
            PositionView(
                symbol=position.symbol,
                quantity=position.quantity,
                available=max(0, position.quantity - position.reserved - locked),
                avg_cost=(position.cost / position.quantity).quantize(PRICE_PLACES, ROUND_HALF_UP),
                last_price=quote.last_price,
                market_value=to_fen(quote.last_price * position.quantity),
                simulated=quote.simulated,
            )
        )
    equity = entry.cash + sum((p.market_value for p in positions), Decimal("0.00"))
    return Portfolio(
        entry_id=entry.id,
        starting_cash=entry.starting_cash,
        cash=entry.cash,
        cash_available=entry.cash - entry.cash_held,
        positions=positions,
        equity=equity,
        return_pct=return_pct(equity, entry.starting_cash),
        fees_paid=entry.fees_paid,
    )


__all__ = ["Portfolio", "PositionView", "read_portfolio", "return_pct"]
