"""Moving the market: a tick of the market-data provider, and prices the broker pushes. Both
write the live quotes, the one-minute and daily bars and the index level through a few
prebuilt statements; quote rows are written in symbol order, so a tick and a push that meet
queue on the rows instead of deadlocking.

The index moves by the equal-weighted mean of the instruments' log returns (an instrument that
did not move adds zero), whatever moved them.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.contests.calendar import TradingCalendar
from gamification.contests.market_data import MarketData
from gamification.contests.market_models import BAR_TABLE as BAR
from gamification.contests.market_models import INDEX_TABLE as INDEX
from gamification.contests.market_models import INSTRUMENT_TABLE as INSTRUMENT
from gamification.contests.market_models import QUOTE_TABLE as QUOTE
from gamification.contests.partner_quotes import LiveQuote, PushedQuote, QuoteRefusal, refusal
from gamification.contests.simulator import Move, QuoteState

QUOTE_STATES = (
    sa.select(
        QUOTE.c.symbol,
        QUOTE.c.trading_day,
        QUOTE.c.prev_close,
        QUOTE.c.last_price,
        INSTRUMENT.c.tick_size,
        INSTRUMENT.c.limit_pct,
        INSTRUMENT.c.lot_size,
        INSTRUMENT.c.drift,
        INSTRUMENT.c.volatility,
        INSTRUMENT.c.beta,
    )
    .join_from(QUOTE, INSTRUMENT, QUOTE.c.symbol == INSTRUMENT.c.symbol)
    .order_by(QUOTE.c.symbol)
)
LOCK_QUOTES = (
    sa.select(
        QUOTE.c.symbol,
        QUOTE.c.trading_day,
        QUOTE.c.prev_close,
        QUOTE.c.last_price,
        QUOTE.c.quoted_at,
        INSTRUMENT.c.tick_size,
        INSTRUMENT.c.limit_pct,
    )
    .join_from(QUOTE, INSTRUMENT, QUOTE.c.symbol == INSTRUMENT.c.symbol)
    .where(QUOTE.c.symbol.in_(sa.bindparam("symbols", expanding=True)))
    .order_by(QUOTE.c.symbol)
    .with_for_update(of=QUOTE)
)
_DAY = sa.bindparam("day", type_=sa.Date)
ROLL_QUOTES = (
    sa.update(QUOTE)
    .where(QUOTE.c.trading_day < _DAY)
    .values(
        trading_day=_DAY,
        prev_close=QUOTE.c.last_price,
        open_price=QUOTE.c.last_price,
        high_price=QUOTE.c.last_price,
        low_price=QUOTE.c.last_price,
        volume=0,
    )
)
ROLL_ONE_QUOTE = ROLL_QUOTES.where(QUOTE.c.symbol == sa.bindparam("symbol"))
ROLL_INDEX = (
    sa.update(INDEX)
    .where(INDEX.c.trading_day < _DAY)
    .values(trading_day=_DAY, prev_close=INDEX.c.level)
)
_PRICE = sa.bindparam("b_price", type_=QUOTE.c.last_price.type)
MOVE_QUOTE = (
    sa.update(QUOTE)
    .where(QUOTE.c.symbol == sa.bindparam("b_symbol"))
    .values(
        last_price=_PRICE,
        high_price=sa.func.greatest(QUOTE.c.high_price, _PRICE),
        low_price=sa.func.least(QUOTE.c.low_price, _PRICE),
        volume=QUOTE.c.volume + sa.bindparam("b_volume"),
        quoted_at=sa.bindparam("b_at"),
        simulated=sa.bindparam("b_simulated"),
    )
)
_BAR_INSERT = insert(BAR)
UPSERT_BAR = _BAR_INSERT.on_conflict_do_update(
    index_elements=[BAR.c.symbol, BAR.c.span, BAR.c.starts_at],
    set_={
        "high_price": sa.func.greatest(BAR.c.high_price, _BAR_INSERT.excluded.high_price),
        "low_price": sa.func.least(BAR.c.low_price, _BAR_INSERT.excluded.low_price),
        "close_price": _BAR_INSERT.excluded.close_price,
        "volume": BAR.c.volume + _BAR_INSERT.excluded.volume,
    },
)
INSTRUMENT_COUNT = sa.select(sa.func.count()).select_from(QUOTE)
PRUNE_MINUTE_BARS = sa.delete(BAR).where(
    BAR.c.span == "1m", BAR.c.starts_at < sa.bindparam("before")
)
MOVE_INDEX = sa.update(INDEX).values(
    level=sa.func.greatest(
        sa.func.round(INDEX.c.level * sa.func.exp(sa.bindparam("log_return", type_=sa.Numeric)), 2),
        Decimal("0.01"),
    ),
    as_of=sa.bindparam("at"),
)


@dataclass(frozen=True)
class Priced:
    """A price that moved, with the one it replaced (for the index)."""

    move: Move
    before: Decimal
    at: datetime


async def quote_states(db: AsyncSession) -> list[QuoteState]:
    return [QuoteState(**row._mapping) for row in await db.execute(QUOTE_STATES)]


async def move_market(
    db: AsyncSession, feed: MarketData, *, now: datetime, slot: int, calendar: TradingCalendar
) -> int:
    """One tick: while the market is open, roll to a new trading day if one began and move the
    prices the provider gives. Returns how many instruments moved."""
    if not calendar.is_open(now):
        return 0
    day = calendar.trading_day(now)
    await db.execute(ROLL_QUOTES, {"day": day})
    await db.execute(ROLL_INDEX, {"day": day})
    quotes = await quote_states(db)
    before = {quote.symbol: quote.last_price for quote in quotes}
    moves = sorted(feed.moves(quotes, slot=slot), key=lambda move: move.symbol)
    priced = [Priced(move, before[move.symbol], now) for move in moves]
    await _record(db, priced, day=day, calendar=calendar, simulated=True)
    await _move_index(db, priced, instruments=len(quotes), at=now)
    return len(moves)


async def prune_minute_bars(db: AsyncSession, *, before: datetime) -> int:
    """Delete the one-minute bars that start before `before` (daily bars are kept)."""
    result = await db.execute(PRUNE_MINUTE_BARS, {"before": before})
    return int(result.rowcount)  # type: ignore[attr-defined]


async def accept_partner_quotes(
    db: AsyncSession, quotes: Sequence[PushedQuote], *, now: datetime, calendar: TradingCalendar
) -> list[tuple[int, QuoteRefusal]]:
    """Apply the acceptable quotes in order; return (index, reason) for each refused one."""
    rows = await db.execute(LOCK_QUOTES, {"symbols": sorted({q.symbol for q in quotes})})
    live = {
        row.symbol: LiveQuote(**{k: v for k, v in row._mapping.items() if k != "symbol"})
        for row in rows
    }
    refused: list[tuple[int, QuoteRefusal]] = []
    priced: list[Priced] = []
    for index, pushed in enumerate(quotes):
        state = live.get(pushed.symbol)
        day = calendar.trading_day(pushed.at)
        reason = refusal(pushed, state, day=day, now=now)
        if reason is not None or state is None:
            refused.append((index, reason or QuoteRefusal.UNKNOWN_SYMBOL))
            continue
        if day > state.trading_day:
            await db.execute(ROLL_ONE_QUOTE, {"day": day, "symbol": pushed.symbol})
            state.prev_close, state.trading_day = state.last_price, day
        one = Priced(Move(pushed.symbol, pushed.price, 0), state.last_price, pushed.at)
        await _record(db, [one], day=day, calendar=calendar, simulated=False)
        state.last_price, state.quoted_at = pushed.price, pushed.at
        priced.append(one)
    if priced:
        instruments = int(await db.scalar(INSTRUMENT_COUNT) or 1)
        await _move_index(db, priced, instruments=instruments, at=max(p.at for p in priced))
    return refused


async def _record(
    db: AsyncSession,
    priced: Sequence[Priced],
    *,
    day: date,
    calendar: TradingCalendar,
    simulated: bool,
) -> None:
    if not priced:
        return
    await db.execute(
        MOVE_QUOTE,
        [
            {
                "b_symbol": p.move.symbol,
                "b_price": p.move.price,
                "b_volume": p.move.volume,
                "b_at": p.at,
                "b_simulated": simulated,
            }
            for p in priced
        ],
    )
    day_start = datetime.combine(day, time(0), tzinfo=calendar.timezone).astimezone(UTC)
    bars = [_bar(p, "1m", p.at.replace(second=0, microsecond=0)) for p in priced]
    bars += [_bar(p, "1d", day_start) for p in priced]
    await db.execute(UPSERT_BAR, bars)


def _bar(priced: Priced, span: str, starts_at: datetime) -> dict[str, Any]:
    price = priced.move.price
    return {
        "symbol": priced.move.symbol,
        "span": span,
        "starts_at": starts_at,
        "open_price": price,
        "high_price": price,
        "low_price": price,
        "close_price": price,
        "volume": priced.move.volume,
    }


async def _move_index(
    db: AsyncSession, priced: Sequence[Priced], *, instruments: int, at: datetime
) -> None:
    if not priced or instruments <= 0:
        return
    total = sum(math.log(p.move.price / p.before) for p in priced if p.before > 0)
    log_return = Decimal(repr(total / instruments))
    await db.execute(MOVE_INDEX, {"log_return": log_return, "at": at})


__all__ = ["accept_partner_quotes", "move_market", "prune_minute_bars", "quote_states"]
