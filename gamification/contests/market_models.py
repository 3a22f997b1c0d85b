"""The market's tables: instruments (static, from seed/instruments.yaml), one live quote row per
instrument, one-minute and daily bars, and the index level. Every price is NUMERIC; the band,
tick and lot rules are CHECK constraints as well as code."""

from datetime import date, datetime
from decimal import Decimal
from typing import cast

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.tables import utc_timestamp

PRICE = sa.Numeric(14, 3)
INDEX_LEVEL = sa.Numeric(14, 2)
SYMBOL_PATTERN = "^[0-9]{6}\\.(SH|SZ|BJ)$"
BOARDS = ("sh_main", "sz_main", "chinext", "star", "bse")
INSTRUMENT_FK = "contest_instrument.symbol"


class Instrument(SQLModel, table=True):
    """A tradable stock or ETF with its board's rules and the simulator's parameters."""

    __tablename__ = "contest_instrument"
    __table_args__ = (
        sa.CheckConstraint(f"symbol ~ '{SYMBOL_PATTERN}'", name="symbol_format"),
        sa.CheckConstraint("kind IN ('stock', 'etf')", name="kind"),
        sa.CheckConstraint(
            "board IN ('sh_main', 'sz_main', 'chinext', 'star', 'bse')", name="board"
        ),
        sa.CheckConstraint("lot_size > 0 AND lot_step > 0 AND lot_step <= lot_size", name="lots"),
        sa.CheckConstraint("tick_size IN (0.01, 0.001)", name="tick_size"),
        sa.CheckConstraint("limit_pct > 0 AND limit_pct <= 30", name="limit_pct"),
        sa.CheckConstraint("reference_price > 0", name="reference_price_positive"),
        sa.CheckConstraint("volatility > 0 AND volatility <= 2", name="volatility"),
    )

    symbol: str = Field(max_length=9, primary_key=True)
    name_zh: str = Field(max_length=32)
    name_en: str = Field(max_length=80)
    kind: str = Field(max_length=5)
    board: str = Field(max_length=8, index=True)
    risk_warning: bool = False
    t_plus_zero: bool = False  # cross-border and gold ETFs settle T+0
    lot_size: int  # the smallest buy
    lot_step: int  # the increment above it
    tick_size: Decimal = Field(sa_type=sa.Numeric(4, 3))
    limit_pct: Decimal = Field(sa_type=sa.Numeric(4, 1))  # the daily band, percent of prev close
    reference_price: Decimal = Field(sa_type=PRICE)  # where the simulator starts
    drift: Decimal = Field(sa_type=sa.Numeric(5, 3))  # simulator: annualised drift
    volatility: Decimal = Field(sa_type=sa.Numeric(5, 3))  # simulator: annualised volatility
    beta: Decimal = Field(sa_type=sa.Numeric(4, 2))  # simulator: loading on the index factor


class Quote(SQLModel, table=True):
    """The live price of an instrument in its current trading day (one row each, hot)."""

    __tablename__ = "contest_quote"
    __table_args__ = (
        sa.CheckConstraint("prev_close > 0 AND last_price > 0", name="prices_positive"),
        sa.CheckConstraint(
            "low_price <= last_price AND last_price <= high_price", name="last_within_day_range"
        ),
        sa.CheckConstraint("volume >= 0", name="volume_not_negative"),
    )

    symbol: str = Field(max_length=9, primary_key=True, foreign_key=INSTRUMENT_FK)
    trading_day: date
    prev_close: Decimal = Field(sa_type=PRICE)
    open_price: Decimal = Field(sa_type=PRICE)
    high_price: Decimal = Field(sa_type=PRICE)
    low_price: Decimal = Field(sa_type=PRICE)
    last_price: Decimal = Field(sa_type=PRICE)
    volume: int = Field(sa_type=sa.BigInteger)  # simulated shares traded today
    quoted_at: datetime = utc_timestamp()
    simulated: bool = True  # false while the last price is one a partner pushed


class Bar(SQLModel, table=True):
    """An OHLC bar: `1m` bars start on the minute, `1d` bars on the trading day's 00:00 in the
    business time zone."""

    __tablename__ = "contest_bar"
    __table_args__ = (
        sa.CheckConstraint("span IN ('1m', '1d')", name="span"),
        sa.CheckConstraint(
            "low_price > 0 AND low_price <= open_price AND low_price <= close_price "
            "AND high_price >= open_price AND high_price >= close_price",
            name="ohlc",
        ),
        sa.CheckConstraint("volume >= 0", name="volume_not_negative"),
    )

    symbol: str = Field(max_length=9, primary_key=True, foreign_key=INSTRUMENT_FK)
    span: str = Field(max_length=2, primary_key=True)  # the API's `interval`
    starts_at: datetime = Field(sa_type=sa.DateTime(timezone=True), primary_key=True)
    open_price: Decimal = Field(sa_type=PRICE)
    high_price: Decimal = Field(sa_type=PRICE)
    low_price: Decimal = Field(sa_type=PRICE)
    close_price: Decimal = Field(sa_type=PRICE)
    volume: int = Field(sa_type=sa.BigInteger)


class MarketIndex(SQLModel, table=True):
    """A simulated CSI 300-like index level, moved with the quotes (campaigns trigger on it)."""

    __tablename__ = "contest_market_index"
    __table_args__ = (sa.CheckConstraint("level > 0 AND prev_close > 0", name="levels_positive"),)

    code: str = Field(max_length=16, primary_key=True)
    name_zh: str = Field(max_length=32)
    name_en: str = Field(max_length=80)
    trading_day: date
    prev_close: Decimal = Field(sa_type=INDEX_LEVEL)
    level: Decimal = Field(sa_type=INDEX_LEVEL)
    as_of: datetime = utc_timestamp()


def _table(model: type[SQLModel]) -> sa.Table:
    return cast(sa.Table, model.__table__)  # type: ignore[attr-defined]


# The Core tables, for the hot paths' prebuilt statements.
INSTRUMENT_TABLE = _table(Instrument)
QUOTE_TABLE = _table(Quote)
BAR_TABLE = _table(Bar)
INDEX_TABLE = _table(MarketIndex)

__all__ = [
    "BAR_TABLE",
    "BOARDS",
    "INDEX_TABLE",
    "INSTRUMENT_TABLE",
    "QUOTE_TABLE",
    "Bar",
    "Instrument",
    "MarketIndex",
    "Quote",
]
