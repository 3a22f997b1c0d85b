"""Resting limit orders: fill those the last price now crosses, expire those past their end.

The market tick job calls `match_resting_orders` once its moved prices are committed (and
whether or not it moved them, so orders expire on time). An open limit order has a row in
`contest_resting_order` (migration 0040) for as long as it is open: the tick searches that
narrow table, not the orders, and claims its rows in chunks with `FOR UPDATE SKIP LOCKED`: a
row another transaction holds (a learner cancelling, another replica's tick) is left alone
rather than waited for. Claiming the resting row before touching the order is the lock order of
every path that ends an order (the tick, the expiry, a cancel: resting row, order, entry,
positions), and a claimed row is deleted in the same statement that ends its order, so no two
of them end one order. A resting order already set aside what it needs (a buy its cash at the
limit price plus fees, a sell its shares), so a fill can never fail: it fills whole, at its
limit price.

Each chunk is a transaction of its own, WORKERS of them at once on as many connections: a chunk
holds every crossed order of its entries, so two chunks never lock the same entry or position,
and the workers never wait for each other (nor a learner for the whole tick). Each chunk costs
four set-based statements whatever its size, and none of its rows travels to Python: one claims
the chunk's resting rows, values, charges (the fees as `rules.fees_for` computes them) and
marks the orders filled, each fill recorded on its order row rather than journalled in a
`contest_fill` row (migration 0050: an update in place, no index of `contest_order` holds a
column it changes, and its pages keep room for it; the view `contest_all_fills` reads both
kinds of fill), and leaves what the books must move, summed per entry, instrument and side, in
a temporary table (not WAL-logged, dropped at commit); then the entries' cash, the sold and the
bought positions take their sums from it, in the lock order of `books` (orders, entries,
positions). A resting order's position row exists before its fill (a sell's holds the shares it
reserved, a buy's is written empty by its placement, migration 0046), so the books' updates
change rows in place and add no index keys.
"""

import asyncio
import uuid
from datetime import date, datetime
from itertools import pairwise

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gamification.contests.books import (
    CashMove,
    SharesMove,
    move_cash,
    release_reserved_shares,
)
from gamification.contests.calendar import TradingCalendar, market_calendar
from gamification.contests.rules import Side

CHUNK_SIZE = 10_000
WORKERS = 2  # chunks filled at once, each on a connection and in a transaction of its own

# Every open order the last price crosses, found by walking the resting index per instrument and
# side, is filled chunk by chunk in entry order, so that each chunk's books (the entries and
# the positions, both keyed by entry) are a narrow band of their indexes and pages, each page
# written once per tick rather than once per chunk, and no entry's books are moved by two
# chunks. A chunk is a range of entries: this reads where each range starts (the entry of every
# `chunk`-th crossed order), a few ids, not the crossed orders themselves (sending 100,000 ids
# to the driver and cutting them into chunks there kept both cores waiting a quarter of a
# second before the first chunk could start).
_CROSSED = """
    contest_quote AS q
    JOIN contest_resting_order AS r
      ON r.symbol = q.symbol
     AND ((r.side = 'buy' AND r.limit_price >= q.last_price)
          OR (r.side = 'sell' AND r.limit_price <= q.last_price))
"""
_CHUNK_STARTS = sa.text(
    f"""
    SELECT DISTINCT entry_id
    FROM (SELECT r.entry_id, row_number() OVER (ORDER BY r.entry_id) AS n
          FROM {_CROSSED} WHERE r.expires_at > :now) AS crossed
    WHERE (n - 1) % :chunk = 0
    ORDER BY entry_id
    """  # noqa: S608 - a constant; every value is a bound parameter
)
# What a chunk's fills move in the books, per entry, instrument and side; the chunk's
# transaction's own.
_MOVES_TABLE = sa.text(
    """
    CREATE TEMPORARY TABLE IF NOT EXISTS contest_tick_moves (
        entry_id uuid NOT NULL, symbol varchar(16) NOT NULL, user_id uuid NOT NULL,
        side varchar(4) NOT NULL, quantity bigint NOT NULL, cash_delta numeric NOT NULL,
        fees numeric NOT NULL, released numeric NOT NULL, fills bigint NOT NULL
    ) ON COMMIT DROP
    """
)
# One chunk, filled whole at the limit price in one statement: the resting rows of its entries
# still there and crossed are claimed (others' locks skipped) and deleted by their row address
# (locked, so it cannot change; a join on the key hashed the whole resting table), their
# orders (still open, as a resting row's order always is) valued and charged with the
# contest's fees exactly as `rules.fees_for` does (each fee rounded half up to the fen;
# PostgreSQL's round() rounds halves away from zero, the same for these positive amounts) and
# marked filled, the fill recorded on the order row (migration 0050). A resting order already
# set aside what it needs, so a fill cannot fail. Leaves per entry, instrument and side what
# the books must move in `contest_tick_moves`.
_FILL_CHUNK = sa.text(
    f"""
    WITH claimed AS (
        SELECT r.order_id, r.ctid AS resting_row,
               round(q.prev_close * (1 + i.limit_pct / 100) / i.tick_size) * i.tick_size
                   AS limit_up
        FROM {_CROSSED}
        JOIN contest_instrument AS i ON i.symbol = r.symbol
        WHERE r.expires_at > :now AND r.entry_id >= :first_entry
          AND (CAST(:next_chunk AS uuid) IS NULL OR r.entry_id < CAST(:next_chunk AS uuid))
        ORDER BY r.order_id
        FOR UPDATE OF r SKIP LOCKED
    ), unrested AS (
        DELETE FROM contest_resting_order AS r
        WHERE r.ctid = ANY(ARRAY(SELECT resting_row FROM claimed))
        RETURNING r.order_id
    ), picked AS (
        SELECT o.id, o.contest_id, o.entry_id, o.user_id, o.symbol, o.side, o.quantity,
               o.limit_price AS price, o.cash_held, c.commission_rate, c.commission_min,
               c.stamp_duty_rate, c.transfer_fee_rate, claimed.limit_up
        FROM unrested
        JOIN claimed ON claimed.order_id = unrested.order_id
        JOIN contest_order AS o ON o.id = unrested.order_id
        JOIN contest AS c ON c.id = o.contest_id
        WHERE o.status = 'open'
    ), valued AS (
        SELECT picked.*, round(price * quantity, 2) AS notional FROM picked
    ), charged AS (
        SELECT valued.*,
               greatest(round(notional * commission_rate, 2), round(commission_min, 2))
                   AS commission,
               CASE WHEN side = 'sell' THEN round(notional * stamp_duty_rate, 2) ELSE 0 END
                   AS stamp_duty,
               round(notional * transfer_fee_rate, 2) AS transfer_fee
        FROM valued
    ), settled AS (
        SELECT charged.*, commission + stamp_duty + transfer_fee AS fees,
               CASE WHEN side = 'sell'
                    THEN notional - commission - stamp_duty - transfer_fee
                    ELSE -(notional + commission + stamp_duty + transfer_fee) END AS cash_delta
        FROM charged
    ), marked AS (
        UPDATE contest_order AS o
        SET status = 'filled', filled_quantity = o.quantity, avg_fill_price = o.limit_price,
            commission = s.commission, stamp_duty = s.stamp_duty, transfer_fee = s.transfer_fee,
            cash_held = 0, updated_at = :now, filled_at = :now, fill_trading_day = :day,
            fill_at_limit_up = coalesce(s.side = 'buy' AND s.price >= s.limit_up, false)
        FROM settled AS s
        WHERE o.id = s.id
    )
    INSERT INTO contest_tick_moves
        (entry_id, symbol, user_id, side, quantity, cash_delta, fees, released, fills)
    SELECT entry_id, symbol, user_id, side, sum(quantity), sum(cash_delta), sum(fees),
           sum(cash_held), count(*)
    FROM settled
    GROUP BY entry_id, symbol, user_id, side
    """  # noqa: S608 - a constant; every value is a bound parameter
)
# The entries' cash: fills' proceeds and costs, the cash their buys had set aside released.
# In entry order, the order every path locks entries in.
# Emptied after each chunk: dropped at commit, but a chunk's transaction is only a savepoint
# when its sessions join an outer transaction (as the tests' do).
_CLEAR_MOVES = sa.text("TRUNCATE contest_tick_moves")
_BOOK_CASH = sa.text(
    """
    UPDATE contest_entry AS e
    SET cash = e.cash + m.delta, cash_held = e.cash_held - m.released,
        fees_paid = e.fees_paid + m.fees
    FROM (SELECT entry_id, sum(cash_delta) AS delta, sum(released) AS released,
                 sum(fees) AS fees
          FROM contest_tick_moves GROUP BY entry_id ORDER BY entry_id) AS m
    WHERE e.id = m.entry_id
    """
)
# Sold shares (reserved by their open orders) leave their positions, with their share of the
# cost basis; before the buys, as `books` always moved them.
_BOOK_SOLD = sa.text(
    """
    UPDATE contest_position AS p
    SET quantity = p.quantity - m.quantity,
        reserved = p.reserved - m.quantity,
        cost = CASE WHEN p.quantity = m.quantity THEN 0
                    ELSE p.cost - round(p.cost * m.quantity / p.quantity, 2) END,
        bought_today = least(p.bought_today, p.quantity - m.quantity)
    FROM (SELECT * FROM contest_tick_moves WHERE side = 'sell'
          ORDER BY entry_id, symbol) AS m
    WHERE p.entry_id = m.entry_id AND p.symbol = m.symbol
    """
)
# Bought shares join their positions (costs include fees), not sellable before the next
# trading day (T+1). A resting buy's position row exists from its placement (migration 0046):
# it is updated in place, no key added to the positions' index; a row still missing is
# inserted.
_BOOK_BOUGHT = sa.text(
    """
    WITH bought AS (
        SELECT * FROM contest_tick_moves WHERE side = 'buy'
    ), joined AS (
        UPDATE contest_position AS p
        SET quantity = p.quantity + m.quantity,
            cost = p.cost - m.cash_delta,
            bought_today = CASE WHEN p.bought_on = :day THEN p.bought_today + m.quantity
                                ELSE m.quantity END,
            bought_on = :day
        FROM (SELECT * FROM bought ORDER BY entry_id, symbol) AS m
        WHERE p.entry_id = m.entry_id AND p.symbol = m.symbol
        RETURNING p.entry_id, p.symbol
    )
    INSERT INTO contest_position
        (entry_id, symbol, user_id, quantity, reserved, bought_today, bought_on, cost)
    SELECT m.entry_id, m.symbol, m.user_id, m.quantity, 0, m.quantity, :day, -m.cash_delta
    FROM bought AS m
    WHERE NOT EXISTS (
        SELECT FROM joined AS j WHERE j.entry_id = m.entry_id AND j.symbol = m.symbol
    )
    """
)
_CHUNK_FILLS = sa.text("SELECT coalesce(sum(fills), 0) FROM contest_tick_moves")
# A chunk of resting orders past their end, claimed (others' locks skipped) and deleted; their
# orders, still open, to be marked expired.
_DUE = sa.text(
    """
    WITH claimed AS (
        SELECT order_id FROM contest_resting_order
        WHERE expires_at <= :now
        ORDER BY order_id
        LIMIT :chunk
        FOR UPDATE SKIP LOCKED
    ), unrested AS (
        DELETE FROM contest_resting_order AS r USING claimed
        WHERE r.order_id = claimed.order_id
        RETURNING r.order_id
    )
    SELECT o.id, o.entry_id, o.user_id, o.symbol, o.side, o.quantity, o.cash_held
    FROM unrested AS u JOIN contest_order AS o ON o.id = u.order_id
    WHERE o.status = 'open'
    ORDER BY o.id
    """
)
_MARK_EXPIRED = sa.text(
    """
    UPDATE contest_order SET status = 'expired', cash_held = 0, updated_at = :now
    WHERE id = ANY(CAST(:ids AS uuid[]))
    """
)


async def match_resting_orders(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    calendar: TradingCalendar | None = None,
    chunk_size: int = CHUNK_SIZE,
    workers: int = WORKERS,
) -> int:
    """Expire what is due, then fill every open order its price crosses; returns the fills.
    Call it once the tick's quotes are committed: the expiry is one transaction, then each
    chunk of fills one more, `workers` of them at a time."""
    calendar = calendar or market_calendar()
    async with sessionmaker.begin() as db:
        while await _expire_chunk(db, now=now, chunk_size=chunk_size) == chunk_size:
            pass
        starts = (await db.scalars(_CHUNK_STARTS, {"now": now, "chunk": chunk_size})).all()
    day = calendar.trading_day(now)
    # Each chunk the entries from one start to the next (the last one: to the end).
    chunks = pairwise([*starts, None])

    async def fill_chunks() -> int:
        filled = 0
        for first_entry, next_chunk in chunks:  # shared: each worker takes the next chunk left
            async with sessionmaker.begin() as db:
                filled += await _fill_chunk(db, first_entry, next_chunk, now=now, day=day)
        return filled

    # Every worker runs to its end (a chunk that fails rolls back alone; the others' chunks
    # commit) before the first failure is raised: its orders stay open for a later tick.
    results = await asyncio.gather(*(fill_chunks() for _ in range(workers)), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return sum(result for result in results if isinstance(result, int))


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


async def _fill_chunk(
    db: AsyncSession,
    first_entry: uuid.UUID,
    next_chunk: uuid.UUID | None,
    *,
    now: datetime,
    day: date,
) -> int:
    """Fill the crossed orders of the entries from `first_entry` up to `next_chunk` (None: to
    the last)."""
    await db.execute(_MOVES_TABLE)
    await db.execute(
        _FILL_CHUNK,
        {"first_entry": first_entry, "next_chunk": next_chunk, "now": now, "day": day},
    )
    await db.execute(_BOOK_CASH)
    await db.execute(_BOOK_SOLD)
    await db.execute(_BOOK_BOUGHT, {"day": day})
    fills = int((await db.execute(_CHUNK_FILLS)).scalar_one())
    await db.execute(_CLEAR_MOVES)
    return fills


__all__ = ["CHUNK_SIZE", "WORKERS", "expire_orders", "match_resting_orders"]
