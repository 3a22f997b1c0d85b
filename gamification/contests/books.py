"""The entries' books: paper cash and positions, moved by a few prebuilt set-based statements
that take arrays, so one fill and a chunk of ten thousand cost the same number of round trips.

Lock order, the same on every path (so no two transactions wait on each other in a cycle):
order rows -> entry rows -> position rows. Placing an order locks its entry row first (the
order-rate counter) and never an existing order row.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.contests.rules import ZERO

# Each statement takes parallel arrays, one element per entry (or entry and symbol).
_MOVE_CASH = sa.text(
    """
    UPDATE contest_entry AS e
    SET cash = e.cash + d.delta, cash_held = e.cash_held - d.released,
        fees_paid = e.fees_paid + d.fees
    FROM unnest(CAST(:entry_ids AS uuid[]), CAST(:deltas AS numeric[]),
                CAST(:released AS numeric[]), CAST(:fees AS numeric[]))
         AS d(entry_id, delta, released, fees)
    WHERE e.id = d.entry_id
    """
)
_ADD_SHARES = sa.text(
    """
    INSERT INTO contest_position AS p
        (entry_id, symbol, user_id, quantity, reserved, bought_today, bought_on, cost)
    SELECT d.entry_id, d.symbol, d.user_id, d.quantity, 0, d.quantity, :day, d.cost
    FROM unnest(CAST(:entry_ids AS uuid[]), CAST(:symbols AS varchar[]),
                CAST(:user_ids AS uuid[]), CAST(:quantities AS bigint[]),
                CAST(:costs AS numeric[]))
         AS d(entry_id, symbol, user_id, quantity, cost)
    ON CONFLICT (entry_id, symbol) DO UPDATE SET
        quantity = p.quantity + excluded.quantity,
        cost = p.cost + excluded.cost,
        bought_today = CASE WHEN p.bought_on = excluded.bought_on
                            THEN p.bought_today + excluded.quantity
                            ELSE excluded.quantity END,
        bought_on = excluded.bought_on
    """
)
# Shares reserved for open sell orders leave the position; the cost basis leaves in proportion.
_TAKE_RESERVED_SHARES = sa.text(
    """
    UPDATE contest_position AS p
    SET quantity = p.quantity - d.quantity,
        reserved = p.reserved - d.quantity,
        cost = CASE WHEN p.quantity = d.quantity THEN 0
                    ELSE p.cost - round(p.cost * d.quantity / p.quantity, 2) END,
        bought_today = LEAST(p.bought_today, p.quantity - d.quantity)
    FROM unnest(CAST(:entry_ids AS uuid[]), CAST(:symbols AS varchar[]),
                CAST(:quantities AS bigint[]))
         AS d(entry_id, symbol, quantity)
    WHERE p.entry_id = d.entry_id AND p.symbol = d.symbol
    """
)
_RELEASE_SHARES = sa.text(
    """
    UPDATE contest_position AS p
    SET reserved = p.reserved - d.quantity
    FROM unnest(CAST(:entry_ids AS uuid[]), CAST(:symbols AS varchar[]),
                CAST(:quantities AS bigint[]))
         AS d(entry_id, symbol, quantity)
    WHERE p.entry_id = d.entry_id AND p.symbol = d.symbol
    """
)


@dataclass
class CashMove:
    delta: Decimal = ZERO  # what fills did to the cash
    released: Decimal = ZERO  # cash no longer held for open buy orders
    fees: Decimal = ZERO


@dataclass(frozen=True)
class SharesMove:
    entry_id: uuid.UUID
    symbol: str
    user_id: uuid.UUID
    quantity: int
    cost: Decimal = ZERO  # for buys: what the shares cost, fees included


async def move_cash(db: AsyncSession, moves: dict[uuid.UUID, CashMove]) -> None:
    if not moves:
        return
    entry_ids = sorted(moves)  # a stable lock order between concurrent chunks
    await db.execute(
        _MOVE_CASH,
        {
            "entry_ids": entry_ids,
            "deltas": [moves[e].delta for e in entry_ids],
            "released": [moves[e].released for e in entry_ids],
            "fees": [moves[e].fees for e in entry_ids],
        },
    )


def _merged(moves: Iterable[SharesMove]) -> list[SharesMove]:
    """One move per (entry, symbol): a statement may change each row only once."""
    quantity: dict[tuple[uuid.UUID, str], int] = defaultdict(int)
    cost: dict[tuple[uuid.UUID, str], Decimal] = defaultdict(lambda: ZERO)
    users: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    for move in moves:
        key = (move.entry_id, move.symbol)
        quantity[key] += move.quantity
        cost[key] += move.cost
        users[key] = move.user_id
    return [SharesMove(k[0], k[1], users[k], quantity[k], cost[k]) for k in sorted(quantity)]


async def add_bought_shares(db: AsyncSession, moves: Iterable[SharesMove], *, day: date) -> None:
    """Bought shares join their positions, locked until the next trading day (T+1)."""
    merged = _merged(moves)
    if not merged:
        return
    await db.execute(
        _ADD_SHARES,
        {
            "day": day,
            "entry_ids": [m.entry_id for m in merged],
            "symbols": [m.symbol for m in merged],
            "user_ids": [m.user_id for m in merged],
            "quantities": [m.quantity for m in merged],
            "costs": [m.cost for m in merged],
        },
    )


async def _shares_statement(
    db: AsyncSession, statement: sa.TextClause, moves: Iterable[SharesMove]
) -> None:
    merged = _merged(moves)
    if merged:
        await db.execute(
            statement,
            {
                "entry_ids": [m.entry_id for m in merged],
                "symbols": [m.symbol for m in merged],
                "quantities": [m.quantity for m in merged],
            },
        )


async def take_reserved_shares(db: AsyncSession, moves: Iterable[SharesMove]) -> None:
    """Sold shares (reserved by their open orders) leave their positions."""
    await _shares_statement(db, _TAKE_RESERVED_SHARES, moves)


async def release_reserved_shares(db: AsyncSession, moves: Iterable[SharesMove]) -> None:
    """Shares of cancelled or expired sell orders become sellable again."""
    await _shares_statement(db, _RELEASE_SHARES, moves)


__all__ = [
    "CashMove",
    "SharesMove",
    "add_bought_shares",
    "move_cash",
    "release_reserved_shares",
    "take_reserved_shares",
]
