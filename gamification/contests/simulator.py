"""The built-in market simulator: a seeded random walk per instrument with its own drift and
volatility, plus a shared index factor and a per-day market mood, so the market moves together
on bad days. Pure and replica-independent: the moves of a tick depend only on the seed, the
tick's slot and the quotes, so any replica computes the same prices.

Prices never leave the day's band around the previous close and always sit on the tick. Moves
are rounded to the tick at random in proportion (stochastic rounding): plain rounding would pin
a cheap stock, whose tick is large against a few seconds of volatility, to one price forever.
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from gamification.contests.rules import price_band

TRADING_SECONDS_PER_YEAR = 252 * 4 * 3600
INDEX_VOLATILITY = 0.20  # annualised, of the shared factor
DAY_MOOD_SHARE = 0.5  # how much of a day's index move the day's mood sets (the rest: noise)
MAX_LOTS_PER_TICK = 500


@dataclass(frozen=True)
class QuoteState:
    """What a market-data provider needs to know about an instrument and its live quote."""

    symbol: str
    trading_day: date
    prev_close: Decimal
    last_price: Decimal
    tick_size: Decimal
    limit_pct: Decimal
    lot_size: int
    drift: Decimal
    volatility: Decimal
    beta: Decimal


@dataclass(frozen=True)
class Move:
    """A new last price for an instrument, and the simulated volume traded to get there."""

    symbol: str
    price: Decimal
    volume: int


def clamp_to_band(price: Decimal, quote: QuoteState) -> Decimal:
    low, high = price_band(quote.prev_close, quote.limit_pct, quote.tick_size)
    return min(max(price, low), high)


def simulate_moves(
    quotes: Sequence[QuoteState], *, seed: int, slot: int, tick_seconds: int
) -> list[Move]:
    """One tick of the walk for every instrument; `slot` numbers the tick (seconds since the
    epoch divided by the period), so a replayed slot gives the same moves."""
    if not quotes:
        return []
    dt = tick_seconds / TRADING_SECONDS_PER_YEAR
    factor = random.Random(f"{seed}:market:{slot}").gauss()  # noqa: S311 (a game, not a secret)
    mood = random.Random(f"{seed}:day:{quotes[0].trading_day}").gauss()  # noqa: S311
    # The mood is a daily drift of DAY_MOOD_SHARE × the index's daily volatility, spread evenly
    # over the day's ticks: σ·√(1/252) a day is σ·√252 a year.
    mood_drift = mood * DAY_MOOD_SHARE * INDEX_VOLATILITY * math.sqrt(252) * dt
    return [_step(quote, seed, slot, dt, factor, mood_drift) for quote in quotes]


def _step(
    quote: QuoteState, seed: int, slot: int, dt: float, factor: float, mood_drift: float
) -> Move:
    rng = random.Random(f"{seed}:{quote.symbol}:{slot}")  # noqa: S311
    sigma = float(quote.volatility)
    beta = float(quote.beta)
    # Correlation with the factor: beta × index vol / own vol, kept below 1.
    rho = max(-0.95, min(0.95, beta * INDEX_VOLATILITY / sigma))
    shock = rho * factor + math.sqrt(1 - rho * rho) * rng.gauss()
    log_return = (float(quote.drift) - sigma * sigma / 2) * dt + beta * mood_drift
    log_return += sigma * math.sqrt(dt) * shock
    target = float(quote.last_price) * math.exp(log_return)
    price = clamp_to_band(_round_to_tick(target, quote.tick_size, rng.random()), quote)
    return Move(quote.symbol, price, quote.lot_size * rng.randint(1, MAX_LOTS_PER_TICK))


def _round_to_tick(value: float, tick: Decimal, draw: float) -> Decimal:
    """Down or up to a neighbouring tick, up with probability equal to the remainder."""
    ticks = Decimal(repr(value)) / tick
    whole = ticks.to_integral_value(rounding=ROUND_FLOOR)
    if Decimal(repr(draw)) < ticks - whole:
        whole += 1
    return max(whole, Decimal(1)) * tick


__all__ = ["Move", "QuoteState", "clamp_to_band", "simulate_moves"]
