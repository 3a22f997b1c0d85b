"""Reading the market back: instruments with their live quotes, bars and the index level."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.contests.market_models import BAR_TABLE as BAR
from gamification.contests.market_models import INDEX_TABLE as INDEX
from gamification.contests.market_models import INSTRUMENT_TABLE as INSTRUMENT
from gamification.contests.market_models import QUOTE_TABLE as QUOTE

MAX_BARS = 1000
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class InstrumentQuote:
    symbol: str
    name_zh: str
    name_en: str
    kind: str
    board: str
    risk_warning: bool
    t_plus_zero: bool
    lot_size: int
    lot_step: int
    tick_size: Decimal
    limit_pct: Decimal
    prev_close: Decimal
    last_price: Decimal
    quoted_at: datetime
    simulated: bool

    @property
    def change_pct(self) -> Decimal:
        return change_pct(self.last_price, self.prev_close)


@dataclass(frozen=True)
class BarRow:
    starts_at: datetime
    open_price: Decimal
    high_price: Decimal
    low_price: Decimal
    close_price: Decimal
    volume: int


@dataclass(frozen=True)
class IndexLevel:
    code: str
    name_zh: str
    name_en: str
    trading_day: date
    level: Decimal
    prev_close: Decimal
    as_of: datetime

    @property
    def change_pct(self) -> Decimal:
        return change_pct(self.level, self.prev_close)


def change_pct(price: Decimal, prev_close: Decimal) -> Decimal:
    return ((price - prev_close) * HUNDRED / prev_close).quantize(Decimal("0.01"))


_COLUMNS = [
    *(INSTRUMENT.c[name] for name in ("symbol", "name_zh", "name_en", "kind", "board")),
    *(INSTRUMENT.c[name] for name in ("risk_warning", "t_plus_zero", "lot_size", "lot_step")),
    INSTRUMENT.c.tick_size,
    INSTRUMENT.c.limit_pct,
    *(QUOTE.c[name] for name in ("prev_close", "last_price", "quoted_at", "simulated")),
]
INSTRUMENT_QUOTES = sa.select(*_COLUMNS).join_from(
    INSTRUMENT, QUOTE, INSTRUMENT.c.symbol == QUOTE.c.symbol
)


async def instrument_page(
    db: AsyncSession, *, board: str | None, text: str | None, after: str | None, limit: int
) -> list[InstrumentQuote]:
    """Instruments in symbol order after `after`; `text` matches a symbol prefix or a name."""
    statement = INSTRUMENT_QUOTES.order_by(INSTRUMENT.c.symbol).limit(limit)
    if board is not None:
        statement = statement.where(INSTRUMENT.c.board == board)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            sa.or_(
                INSTRUMENT.c.symbol.ilike(pattern.lstrip("%")),
                INSTRUMENT.c.name_zh.ilike(pattern),
                INSTRUMENT.c.name_en.ilike(pattern),
            )
        )
    if after is not None:
        statement = statement.where(INSTRUMENT.c.symbol > after)
    return [InstrumentQuote(**row._mapping) for row in await db.execute(statement)]


async def instrument_quote(db: AsyncSession, symbol: str) -> InstrumentQuote | None:
    row = (await db.execute(INSTRUMENT_QUOTES.where(INSTRUMENT.c.symbol == symbol))).first()
    return None if row is None else InstrumentQuote(**row._mapping)


BARS = (
    sa.select(*(BAR.c[name] for name in BarRow.__dataclass_fields__))
    .where(BAR.c.symbol == sa.bindparam("symbol"), BAR.c.span == sa.bindparam("span"))
    .order_by(BAR.c.starts_at.desc())
    .limit(sa.bindparam("limit"))
)


async def latest_bars(db: AsyncSession, symbol: str, *, span: str, limit: int) -> list[BarRow]:
    """The newest `limit` bars, oldest first (the order a chart draws them)."""
    rows = await db.execute(BARS, {"symbol": symbol, "span": span, "limit": limit})
    return [BarRow(**row._mapping) for row in reversed(rows.all())]


INDEX_LEVEL = sa.select(*(INDEX.c[name] for name in IndexLevel.__dataclass_fields__)).order_by(
    INDEX.c.code
)


async def index_level(db: AsyncSession) -> IndexLevel | None:
    row = (await db.execute(INDEX_LEVEL.limit(1))).first()
    return None if row is None else IndexLevel(**row._mapping)


async def last_prices(db: AsyncSession, symbols: Sequence[str]) -> dict[str, Decimal]:
    """The last price of each known symbol (for valuing positions)."""
    rows = await db.execute(
        sa.select(QUOTE.c.symbol, QUOTE.c.last_price).where(QUOTE.c.symbol.in_(symbols))
    )
    return {row.symbol: row.last_price for row in rows}


__all__ = [
    "BarRow",
    "IndexLevel",
    "InstrumentQuote",
    "change_pct",
    "index_level",
    "instrument_page",
    "instrument_quote",
    "last_prices",
    "latest_bars",
]
