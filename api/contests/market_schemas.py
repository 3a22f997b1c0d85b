"""Bodies of the market routes: instruments, bars, the index and the broker's quote push.

Prices are decimal strings with the instrument's tick ("12.34", ETFs "3.456"); percentages are
decimal strings with two places. `simulated` says whether a price came from the simulator (or a
replay) rather than from the broker.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from msgspec import Meta, Struct

from api.pagination import Page

AwareTime = Annotated[datetime, Meta(tz=True)]
MAX_QUOTES_PER_PUSH = 1000
Board = Literal["sh_main", "sz_main", "chinext", "star", "bse"]
Interval = Literal["1m", "1d"]


class InstrumentOut(Struct):
    symbol: str
    name: str
    kind: str
    board: str
    risk_warning: bool
    t_plus_zero: bool
    lot_size: int
    lot_step: int
    tick_size: str
    limit_pct: str
    prev_close: str
    last_price: str
    change_pct: str
    quoted_at: datetime
    simulated: bool


class InstrumentPage(Page[InstrumentOut]):
    """A page of instruments in symbol order."""


class BarOut(Struct):
    t: datetime
    open: str
    high: str
    low: str
    close: str
    volume: int


class BarsOut(Struct):
    symbol: str
    interval: str
    items: list[BarOut]
    simulated: bool  # whether the instrument's live price is simulated


class IndexOut(Struct):
    code: str
    name: str
    level: str
    prev_close: str
    change_pct: str
    as_of: datetime
    market_open: bool
    next_open: datetime
    simulated: bool


class QuoteIn(Struct, forbid_unknown_fields=True):
    # Any text: a symbol that is not ours is refused per quote (`unknown_symbol`), not 422.
    symbol: Annotated[str, Meta(min_length=1, max_length=16, pattern=r"^[^\x00-\x1f]+$")]
    price: Decimal
    at: AwareTime


class QuotesIn(Struct, forbid_unknown_fields=True):
    quotes: Annotated[list[QuoteIn], Meta(min_length=1, max_length=MAX_QUOTES_PER_PUSH)]


class RefusedQuote(Struct):
    index: int
    symbol: str
    reason: (
        str  # unknown_symbol | non_positive_price | outside_band | stale | off_tick | future_time
    )


class QuotesOut(Struct):
    accepted: int
    rejected: list[RefusedQuote]
