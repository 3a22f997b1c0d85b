"""Checking a price the broker pushes: each quote is accepted or refused on its own, with a reason
the partner can act on. Pure: the caller supplies the instrument's live state."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from gamification.contests.rules import on_tick, price_band

# Clocks differ a little; a quote from further ahead would make every later one look stale.
FUTURE_TOLERANCE = timedelta(seconds=60)


class QuoteRefusal(StrEnum):
    UNKNOWN_SYMBOL = "unknown_symbol"
    NON_POSITIVE_PRICE = "non_positive_price"
    OUTSIDE_BAND = "outside_band"
    STALE = "stale"  # older than the instrument's last quote
    OFF_TICK = "off_tick"  # not a multiple of the instrument's tick size
    FUTURE_TIME = "future_time"  # more than FUTURE_TOLERANCE ahead of the server's clock


@dataclass(frozen=True)
class PushedQuote:
    symbol: str
    price: Decimal
    at: datetime


@dataclass
class LiveQuote:
    """An instrument's quote as the push sees it; updated as the push's quotes are accepted."""

    trading_day: date
    prev_close: Decimal
    last_price: Decimal
    quoted_at: datetime
    tick_size: Decimal
    limit_pct: Decimal

    def prev_close_on(self, day: date) -> Decimal:
        """The previous close for trading day `day`: today's last price once the day is new."""
        return self.last_price if day > self.trading_day else self.prev_close


def refusal(
    pushed: PushedQuote, live: LiveQuote | None, *, day: date, now: datetime
) -> QuoteRefusal | None:
    """Why `pushed` (whose trading day is `day`) is refused, or None to accept it."""
    if live is None:
        return QuoteRefusal.UNKNOWN_SYMBOL
    if pushed.price <= 0:
        return QuoteRefusal.NON_POSITIVE_PRICE
    if pushed.at > now + FUTURE_TOLERANCE:
        return QuoteRefusal.FUTURE_TIME
    if pushed.at < live.quoted_at or day < live.trading_day:
        return QuoteRefusal.STALE
    if not on_tick(pushed.price, live.tick_size):
        return QuoteRefusal.OFF_TICK
    low, high = price_band(live.prev_close_on(day), live.limit_pct, live.tick_size)
    if not low <= pushed.price <= high:
        return QuoteRefusal.OUTSIDE_BAND
    return None


__all__ = ["FUTURE_TOLERANCE", "LiveQuote", "PushedQuote", "QuoteRefusal", "refusal"]
