"""The instrument list (`seed/instruments.yaml`): reading and checking it, loading it, and
reading instruments back with their live quotes.

Loading adds new symbols and updates the static fields of existing ones; a quote row starts at
the reference price only for a symbol that has none, so a reload never resets a moving market.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
import sqlalchemy as sa
from msgspec import Meta, Struct
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.contests.calendar import TradingCalendar
from gamification.contests.market_models import SYMBOL_PATTERN, Instrument, MarketIndex, Quote

FORMAT = 1
Symbol = Annotated[str, Meta(pattern=SYMBOL_PATTERN)]
Name = Annotated[str, Meta(min_length=1, max_length=32)]
NameEn = Annotated[str, Meta(min_length=1, max_length=80)]
LOTS_BY_BOARD = {"star": (200, 1), "bse": (100, 1)}  # others: 100 and 100
LIMIT_BY_BOARD = {"sh_main": 10, "sz_main": 10, "chinext": 20, "star": 20, "bse": 30}


class InstrumentFileError(ValueError):
    """The instrument file is not valid; nothing was loaded. The message names each problem."""


class InstrumentSeed(Struct, forbid_unknown_fields=True):
    symbol: Symbol
    name_zh: Name
    name_en: NameEn
    kind: Literal["stock", "etf"]
    board: Literal["sh_main", "sz_main", "chinext", "star", "bse"]
    risk_warning: bool
    t_plus_zero: bool
    lot_size: Annotated[int, Meta(ge=1)]
    lot_step: Annotated[int, Meta(ge=1)]
    tick_size: Literal["0.01", "0.001"]
    limit_pct: Decimal
    reference_price: Decimal
    drift: Decimal  # annualised, -1..1
    volatility: Decimal  # annualised, above 0 and at most 2
    beta: Decimal  # -3..3


class IndexSeed(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(min_length=1, max_length=16)]
    name_zh: Name
    name_en: NameEn
    level: Decimal


class InstrumentFile(Struct, forbid_unknown_fields=True):
    format: Literal[1]
    index: IndexSeed
    instruments: list[InstrumentSeed]


def parse_instruments(document: Any) -> InstrumentFile:
    """Check the file against the boards' rules as well as its shape."""
    try:
        parsed = msgspec.convert(document, InstrumentFile, strict=False)
    except msgspec.ValidationError as exc:
        raise InstrumentFileError(str(exc)) from exc
    problems = [problem for seed in parsed.instruments for problem in _problems(seed)]
    if not (parsed.index.level.is_finite() and parsed.index.level > 0):
        problems.append("index: the level must be positive")
    symbols = [seed.symbol for seed in parsed.instruments]
    problems += [f"{s} appears twice" for s in sorted(set(symbols)) if symbols.count(s) > 1]
    if problems:
        raise InstrumentFileError("; ".join(problems))
    return parsed


def _problems(seed: InstrumentSeed) -> list[str]:
    ranges = {
        "reference_price": (Decimal("0.001"), Decimal(100_000)),
        "drift": (Decimal(-1), Decimal(1)),
        "volatility": (Decimal("0.001"), Decimal(2)),
        "beta": (Decimal(-3), Decimal(3)),
    }
    problems = [
        f"{seed.symbol}: {name} must be between {low} and {high}"
        for name, (low, high) in ranges.items()
        if not (getattr(seed, name).is_finite() and low <= getattr(seed, name) <= high)
    ]
    if problems:
        return problems
    lots = LOTS_BY_BOARD.get(seed.board, (100, 100)) if seed.kind == "stock" else (100, 100)
    if (seed.lot_size, seed.lot_step) != lots:
        problems.append(f"{seed.symbol}: lots on {seed.board} are {lots[0]} then {lots[1]}")
    if seed.tick_size != ("0.01" if seed.kind == "stock" else "0.001"):
        problems.append(f"{seed.symbol}: tick size of a {seed.kind} is wrong")
    if seed.limit_pct != LIMIT_BY_BOARD[seed.board]:
        problems.append(
            f"{seed.symbol}: the band on {seed.board} is ±{LIMIT_BY_BOARD[seed.board]}%"
        )
    if seed.reference_price % Decimal(seed.tick_size):
        problems.append(f"{seed.symbol}: the reference price is not on the tick")
    return problems


async def load_instruments(
    db: AsyncSession, file: InstrumentFile, *, now: datetime, calendar: TradingCalendar
) -> int:
    """Upsert every instrument; start a quote (and the index) where there is none yet."""
    rows = [msgspec.structs.asdict(seed) for seed in file.instruments]
    for row in rows:
        row["tick_size"] = Decimal(row["tick_size"])
    statement = insert(Instrument)
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=["symbol"],
            set_={name: statement.excluded[name] for name in rows[0] if name != "symbol"},
        ),
        rows,
    )
    day = calendar.trading_day(now)
    quotes = [_first_quote(seed, day, now) for seed in file.instruments]
    await db.execute(insert(Quote).on_conflict_do_nothing(index_elements=["symbol"]), quotes)
    index = file.index
    await db.execute(
        insert(MarketIndex)
        .values(
            code=index.code,
            name_zh=index.name_zh,
            name_en=index.name_en,
            trading_day=day,
            prev_close=index.level,
            level=index.level,
            as_of=now,
        )
        .on_conflict_do_update(
            index_elements=["code"], set_={"name_zh": index.name_zh, "name_en": index.name_en}
        )
    )
    return len(rows)


def _first_quote(seed: InstrumentSeed, day: Any, now: datetime) -> dict[str, Any]:
    price = seed.reference_price
    return {
        "symbol": seed.symbol,
        "trading_day": day,
        "prev_close": price,
        "open_price": price,
        "high_price": price,
        "low_price": price,
        "last_price": price,
        "volume": 0,
        "quoted_at": now,
        "simulated": True,
    }


async def instruments_exist(db: AsyncSession) -> bool:
    return bool(await db.scalar(sa.select(sa.exists().select_from(Instrument))))


__all__ = [
    "InstrumentFile",
    "InstrumentFileError",
    "instruments_exist",
    "load_instruments",
    "parse_instruments",
]
