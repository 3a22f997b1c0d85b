"""An entry's portfolio: cash, positions at their last prices, equity and return, fees paid."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.driver_reads import DriverRead
from gamification.contests.calendar import TradingCalendar
from gamification.contests.errors import NotJoined
from gamification.contests.rules import HUNDRED, to_fen

PRICE_PLACES = Decimal("0.001")

# One round trip: the entry (with its contest's T+1 switch) and each position held, with its
# last price; an entry without positions is one row of NULL positions. Sent straight to the
# driver (a prepared statement, no ORM): every player's app polls it.
_PORTFOLIO = DriverRead(
    sa.text(
        """
    SELECT e.id, e.starting_cash, e.cash, e.cash_held, e.fees_paid, c.t_plus_one,
           p.symbol, p.quantity, p.reserved, p.bought_today, p.bought_on, p.cost,
           q.last_price, q.simulated, i.t_plus_zero
    FROM contest_entry e
    JOIN contest c ON c.id = e.contest_id
    LEFT JOIN contest_position p ON p.entry_id = e.id AND p.quantity > 0
    LEFT JOIN contest_quote q ON q.symbol = p.symbol
    LEFT JOIN contest_instrument i ON i.symbol = p.symbol
    WHERE e.contest_id = :contest_id AND e.user_id = :user_id
    ORDER BY p.symbol
    """
    )
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
    rows = await _PORTFOLIO.all(db, contest_id=contest_id, user_id=user_id)
    if not rows:
        raise NotJoined()
    entry = rows[0]
    today = None  # the trading day, worked out only for a position with shares bought today
    positions = []
    for row in rows:
        if row.symbol is None:
            continue
        locked = 0
        if row.bought_today and entry.t_plus_one and not row.t_plus_zero:
            today = today or calendar.trading_day(now)
            locked = row.bought_today if row.bought_on == today else 0
        positions.append(
            PositionView(
                symbol=row.symbol,
                quantity=row.quantity,
                available=max(0, row.quantity - row.reserved - locked),
                avg_cost=(row.cost / row.quantity).quantize(PRICE_PLACES, ROUND_HALF_UP),
                last_price=row.last_price,
                market_value=to_fen(row.last_price * row.quantity),
                simulated=row.simulated,
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
