"""The entries' books as cancelling and expiring orders move them: cash and reserved shares
given back by prebuilt set-based statements that take arrays, so one order and a chunk of ten
thousand cost the same number of round trips (the market tick's fills move the books in SQL,
`matching`).

Lock order, the same on every path (so no two transactions wait on each other in a cycle):
resting order rows (migration 0040) -> order rows -> entry rows -> position rows. Placing an
order locks its entry row first (the order-rate counter) and never an existing order or resting
row.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
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
    users: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    for move in moves:
        key = (move.entry_id, move.symbol)
        quantity[key] += move.quantity
        users[key] = move.user_id
    return [SharesMove(k[0], k[1], users[k], quantity[k]) for k in sorted(quantity)]


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


async def release_reserved_shares(db: AsyncSession, moves: Iterable[SharesMove]) -> None:
    """Shares of cancelled or expired sell orders become sellable again."""
    await _shares_statement(db, _RELEASE_SHARES, moves)


__all__ = [
    "CashMove",
    "SharesMove",
    "move_cash",
    "release_reserved_shares",
]
