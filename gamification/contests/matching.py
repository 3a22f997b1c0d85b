"""Resting limit orders: fill those the last price now crosses, expire those past their end.

The market tick job calls `match_resting_orders` after moving prices (and whether or not it
moved them, so orders expire on time). Work is taken in chunks of open orders claimed with
`FOR UPDATE SKIP LOCKED`: a chunk another transaction holds (a learner cancelling, another
replica's tick) is left alone rather than waited for. A resting order already set aside what
it needs (a buy its cash at the limit price plus fees, a sell its shares), so a fill can never
fail: it fills whole, at its limit price, and each chunk costs a handful of set-based
statements whatever its size.
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.ids import new_id
from gamification.contests.books import (
    CashMove,
    SharesMove,
    add_bought_shares,
    move_cash,
    release_reserved_shares,
    take_reserved_shares,
)
from gamification.contests.calendar import TradingCalendar, market_calendar
from gamification.contests.rules import FeeSchedule, Side, fees_for, notional_of, price_band

CHUNK_SIZE = 5000

_CROSSED = sa.text(
    """
    SELECT o.id, o.contest_id, o.entry_id, o.user_id, o.symbol, o.side, o.quantity,
           o.limit_price, o.cash_held, c.commission_rate, c.commission_min,
           c.stamp_duty_rate, c.transfer_fee_rate, q.prev_close, i.limit_pct, i.tick_size
    FROM contest_order AS o
    JOIN contest_quote AS q ON q.symbol = o.symbol
    JOIN contest_instrument AS i ON i.symbol = o.symbol
    JOIN contest AS c ON c.id = o.contest_id
    WHERE o.status = 'open' AND o.expires_at > :now
      AND ((o.side = 'buy' AND q.last_price <= o.limit_price)
           OR (o.side = 'sell' AND q.last_price >= o.limit_price))
    ORDER BY o.id
    LIMIT :chunk
    FOR UPDATE OF o SKIP LOCKED
    """
)
_MARK_FILLED = sa.text(
    """
    UPDATE contest_order AS o
    SET status = 'filled', filled_quantity = o.quantity, avg_fill_price = o.limit_price,
        commission = d.commission, stamp_duty = d.stamp_duty, transfer_fee = d.transfer_fee,
        cash_held = 0, updated_at = :now
    FROM unnest(CAST(:ids AS uuid[]), CAST(:commissions AS numeric[]),
                CAST(:stamp_duties AS numeric[]), CAST(:transfer_fees AS numeric[]))
         AS d(id, commission, stamp_duty, transfer_fee)
    WHERE o.id = d.id
    """
)
_RECORD_FILLS = sa.text(
    """
    INSERT INTO contest_fill
        (id, order_id, contest_id, entry_id, user_id, symbol, side, quantity, price, notional,
         commission, stamp_duty, transfer_fee, cash_delta, at_limit_up, trading_day, filled_at)
    SELECT d.id, d.order_id, d.contest_id, d.entry_id, d.user_id, d.symbol, d.side,
           d.quantity, d.price, d.notional, d.commission, d.stamp_duty, d.transfer_fee,
           d.cash_delta, d.at_limit_up, :day, :now
    FROM unnest(CAST(:ids AS uuid[]), CAST(:order_ids AS uuid[]), CAST(:contest_ids AS uuid[]),
                CAST(:entry_ids AS uuid[]), CAST(:user_ids AS uuid[]),
                CAST(:symbols AS varchar[]), CAST(:sides AS varchar[]),
                CAST(:quantities AS bigint[]), CAST(:prices AS numeric[]),
                CAST(:notionals AS numeric[]), CAST(:commissions AS numeric[]),
                CAST(:stamp_duties AS numeric[]), CAST(:transfer_fees AS numeric[]),
                CAST(:cash_deltas AS numeric[]), CAST(:at_limit_ups AS boolean[]))
         AS d(id, order_id, contest_id, entry_id, user_id, symbol, side, quantity, price,
              notional, commission, stamp_duty, transfer_fee, cash_delta, at_limit_up)
    """
)
_DUE = sa.text(
    """
    SELECT id, entry_id, user_id, symbol, side, quantity, cash_held
    FROM contest_order
    WHERE status = 'open' AND expires_at <= :now
    ORDER BY id
    LIMIT :chunk
    FOR UPDATE SKIP LOCKED
    """
)
_MARK_EXPIRED = sa.text(
    """
    UPDATE contest_order SET status = 'expired', cash_held = 0, updated_at = :now
    WHERE id = ANY(CAST(:ids AS uuid[]))
    """
)


async def match_resting_orders(
    db: AsyncSession,
    *,
    now: datetime,
    calendar: TradingCalendar | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Expire what is due, then fill every open order its price crosses; returns the fills.
    Runs in the caller's transaction (the tick's): call it after the quotes are written."""
    calendar = calendar or market_calendar()
    while await _expire_chunk(db, now=now, chunk_size=chunk_size) == chunk_size:
        pass
    day = calendar.trading_day(now)
    filled = 0
    while True:
        rows = (await db.execute(_CROSSED, {"now": now, "chunk": chunk_size})).all()
        await _fill(db, rows, now=now, day=day)
        filled += len(rows)
        if len(rows) < chunk_size:
            return filled


async def expire_orders(db: AsyncSession, *, now: datetime, chunk_size: int = CHUNK_SIZE) -> int:
    """Expire one chunk of open orders past their end, giving back what they held."""
    return await _expire_chunk(db, now=now, chunk_size=chunk_size)


async def _expire_chunk(db: AsyncSession, *, now: datetime, chunk_size: int) -> int:
    rows = (await db.execute(_DUE, {"now": now, "chunk": chunk_size})).all()
    if not rows:
        return 0
    cash: dict[uuid.UUID, CashMove] = {}
    shares = []
    for row in rows:
        if row.side == Side.BUY:
            cash.setdefault(row.entry_id, CashMove()).released += row.cash_held
        else:
            shares.append(SharesMove(row.entry_id, row.symbol, row.user_id, row.quantity))
    await db.execute(_MARK_EXPIRED, {"ids": [row.id for row in rows], "now": now})
    await move_cash(db, cash)
    await release_reserved_shares(db, shares)
    return len(rows)


class _Chunk:
    """A chunk's fills, gathered as the arrays its statements take."""

    def __init__(self) -> None:
        self.fills: dict[str, list[Any]] = {name: [] for name in _FILL_COLUMNS}
        self.cash: dict[uuid.UUID, CashMove] = {}
        self.bought: list[SharesMove] = []
        self.sold: list[SharesMove] = []

    def add(self, row: Any) -> None:
        schedule = FeeSchedule(
            row.commission_rate, row.commission_min, row.stamp_duty_rate, row.transfer_fee_rate
        )
        side = Side(row.side)
        notional = notional_of(row.quantity, row.limit_price)
        fees = fees_for(side, notional, schedule)
        delta = notional - fees.total if side is Side.SELL else -(notional + fees.total)
        move = self.cash.setdefault(row.entry_id, CashMove())
        move.delta += delta
        move.released += row.cash_held
        move.fees += fees.total
        _, limit_up = price_band(row.prev_close, row.limit_pct, row.tick_size)
        shares = SharesMove(row.entry_id, row.symbol, row.user_id, row.quantity, -delta)
        (self.bought if side is Side.BUY else self.sold).append(shares)
        values = (
            new_id(), row.id, row.contest_id, row.entry_id, row.user_id, row.symbol, row.side,
            row.quantity, row.limit_price, notional, fees.commission, fees.stamp_duty,
            fees.transfer_fee, delta, side is Side.BUY and row.limit_price >= limit_up,
        )  # fmt: skip
        for name, value in zip(_FILL_COLUMNS, values, strict=True):
            self.fills[name].append(value)


_FILL_COLUMNS = (
    "ids", "order_ids", "contest_ids", "entry_ids", "user_ids", "symbols", "sides",
    "quantities", "prices", "notionals", "commissions", "stamp_duties", "transfer_fees",
    "cash_deltas", "at_limit_ups",
)  # fmt: skip


async def _fill(db: AsyncSession, rows: Sequence[Any], *, now: datetime, day: date) -> None:
    if not rows:
        return
    chunk = _Chunk()
    for row in rows:
        chunk.add(row)
    fills = chunk.fills
    await db.execute(
        _MARK_FILLED,
        {
            "now": now,
            "ids": fills["order_ids"],
            "commissions": fills["commissions"],
            "stamp_duties": fills["stamp_duties"],
            "transfer_fees": fills["transfer_fees"],
        },
    )
    await db.execute(_RECORD_FILLS, {**fills, "day": day, "now": now})
    await move_cash(db, chunk.cash)
    await take_reserved_shares(db, chunk.sold)
    await add_bought_shares(db, chunk.bought, day=day)


__all__ = ["CHUNK_SIZE", "expire_orders", "match_resting_orders"]
