"""The prebuilt statements of placing an order: compiled once, run by every order.

Bind parameters never take a column's own name in an UPDATE (SQLAlchemy reserves those for the
SET clause), hence `position_entry_id`, `position_symbol` and `shares`.
"""

import sqlalchemy as sa
from sqlmodel import col

from gamification.contests.market_models import Instrument, Quote
from gamification.contests.models import ContestEntry, ContestFill, ContestOrder, ContestPosition

EXISTING = sa.select(ContestOrder).where(
    col(ContestOrder.entry_id) == sa.bindparam("entry_id"),
    col(ContestOrder.client_order_id) == sa.bindparam("client_order_id"),
)
_window_started = col(ContestEntry.orders_window_started_at)
_stale = sa.or_(_window_started.is_(None), _window_started <= sa.bindparam("window_start"))
# Counts one order in the entry's one-minute window, or finds the window full (no row).
COUNT_ORDER = (
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
MARKET = (
    sa.select(Instrument, Quote)
    .join(Quote, col(Quote.symbol) == col(Instrument.symbol))
    .where(col(Instrument.symbol) == sa.bindparam("symbol"))
)
POSITION = sa.select(ContestPosition).where(
    col(ContestPosition.entry_id) == sa.bindparam("entry_id"),
    col(ContestPosition.symbol) == sa.bindparam("symbol"),
)
POSITIONS_VALUE = (
    sa.select(
        sa.func.coalesce(sa.func.sum(col(ContestPosition.quantity) * col(Quote.last_price)), 0)
    )
    .join(Quote, col(Quote.symbol) == col(ContestPosition.symbol))
    .where(col(ContestPosition.entry_id) == sa.bindparam("entry_id"))
)
_available_cash = col(ContestEntry.cash) - col(ContestEntry.cash_held)
PAY = (
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
HOLD_CASH = (
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
SELL_NOW = (
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
RESERVE = (
    sa.update(ContestPosition)
    .where(_position_key, _sellable >= _quantity)
    .values(reserved=col(ContestPosition.reserved) + _quantity)
    .returning(col(ContestPosition.entry_id))
)
INSERT_ORDER = sa.insert(ContestOrder.__table__)  # type: ignore[attr-defined]
INSERT_FILL = sa.insert(ContestFill.__table__)  # type: ignore[attr-defined]

__all__ = [
    "COUNT_ORDER",
    "EXISTING",
    "HOLD_CASH",
    "INSERT_FILL",
    "INSERT_ORDER",
    "MARKET",
    "PAY",
    "POSITION",
    "POSITIONS_VALUE",
    "RESERVE",
    "SELL_NOW",
]
