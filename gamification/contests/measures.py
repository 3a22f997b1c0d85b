"""What a teacher looks at in one entry's results, computed without the database: return, max
drawdown, volatility, a Sharpe-like ratio, holdings, the largest position's share, turnover and
trades; and the score an entry is ranked by.

Equity is sampled once a trading day at the close (the daily snapshots) and once more now. Money
stays Decimal; percentages are rounded to two places, ratios to two places.

- return: (equity now / starting cash - 1), in percent.
- max drawdown: the largest fall from a running peak (starting cash counts as the first peak),
  in percent of that peak.
- volatility: the population standard deviation of day-to-day returns, annualised over
  TRADING_DAYS_PER_YEAR, in percent; 0 with fewer than two days.
- Sharpe-like: mean daily return over its standard deviation, annualised, with a risk-free rate
  of 0; None when it cannot be told (fewer than two returns, or no movement at all).
- turnover: everything bought and sold over the starting cash (2.0: the cash turned over twice).
- round trips: filled sells (short selling is off, so every sell closes what a buy opened).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

TRADING_DAYS_PER_YEAR = 252
# Risk-adjusted ranking divides by the drawdown: below this floor (percent) a careful entry is
# treated as if it had fallen this much, so a tiny drawdown cannot make a tiny gain huge.
DRAWDOWN_FLOOR_PCT = Decimal("1.00")

HUNDREDTH = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Fill:
    """One execution of one of the entry's orders."""

    side: str  # buy | sell
    notional: Decimal  # quantity x price, yuan
    fees: Decimal
    traded_on: date  # the trading day
    at_limit_up: bool = False  # a buy at the day's upper band price


@dataclass(frozen=True)
class Activity:
    """What the entry did: enough to tell whether it qualifies for prizes."""

    round_trips: int
    trading_days: int


@dataclass(frozen=True)
class Figures:
    return_pct: Decimal
    max_drawdown_pct: Decimal
    volatility_pct: Decimal
    sharpe: Decimal | None
    holdings: int
    largest_position_pct: Decimal
    turnover: Decimal
    trades: int
    fees_paid: Decimal
    limit_up_buys: int
    activity: Activity


def pct(part: Decimal, whole: Decimal) -> Decimal:
    """`part` as a percentage of `whole`, to two places; 0 for a whole of 0."""
    if whole == 0:
        return ZERO.quantize(HUNDREDTH)
    return (part * HUNDRED / whole).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def return_pct(equity: Decimal, starting_cash: Decimal) -> Decimal:
    return pct(equity - starting_cash, starting_cash)


def max_drawdown_pct(equities: Sequence[Decimal], starting_cash: Decimal) -> Decimal:
    peak, worst = starting_cash, ZERO
    for equity in equities:
        peak = max(peak, equity)
        if peak > 0:
            worst = max(worst, (peak - equity) / peak)
    return (worst * HUNDRED).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def daily_returns(equities: Sequence[Decimal], starting_cash: Decimal) -> list[Decimal]:
    series = [starting_cash, *equities]
    return [(now / before) - 1 for before, now in pairwise(series) if before]


def _mean_and_deviation(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    mean = sum(values, ZERO) / len(values)
    variance = sum(((value - mean) ** 2 for value in values), ZERO) / len(values)
    return mean, variance.sqrt()


def volatility_pct(returns: Sequence[Decimal]) -> Decimal:
    if len(returns) < 2:
        return ZERO.quantize(HUNDREDTH)
    _, deviation = _mean_and_deviation(returns)
    annual = deviation * Decimal(TRADING_DAYS_PER_YEAR).sqrt() * HUNDRED
    return annual.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def sharpe_like(returns: Sequence[Decimal]) -> Decimal | None:
    if len(returns) < 2:
        return None
    mean, deviation = _mean_and_deviation(returns)
    if deviation == 0:
        return None
    ratio = mean / deviation * Decimal(TRADING_DAYS_PER_YEAR).sqrt()
    return ratio.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def activity_of(fills: Sequence[Fill]) -> Activity:
    return Activity(
        round_trips=sum(1 for fill in fills if fill.side == "sell"),
        trading_days=len({fill.traded_on for fill in fills}),
    )


def risk_adjusted_score(return_percent: Decimal, drawdown_percent: Decimal) -> Decimal:
    """Return over max drawdown, the drawdown floored at DRAWDOWN_FLOOR_PCT."""
    score = return_percent / max(drawdown_percent, DRAWDOWN_FLOOR_PCT)
    return score.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def figures(
    *,
    starting_cash: Decimal,
    closes: Sequence[Decimal],
    equity: Decimal,
    position_values: Sequence[Decimal],
    fills: Sequence[Fill],
) -> Figures:
    """The figures of one entry: `closes` are its equities at each trading day's close, oldest
    first; `equity` is its equity now (cash plus `position_values`)."""
    series = [*closes, equity]
    returns = daily_returns(closes, starting_cash)
    held = [value for value in position_values if value > 0]
    traded = sum((fill.notional for fill in fills), ZERO)
    return Figures(
        return_pct=return_pct(equity, starting_cash),
        max_drawdown_pct=max_drawdown_pct(series, starting_cash),
        volatility_pct=volatility_pct(returns),
        sharpe=sharpe_like(returns),
        holdings=len(held),
        largest_position_pct=pct(max(held, default=ZERO), equity),
        turnover=(traded / starting_cash).quantize(HUNDREDTH, rounding=ROUND_HALF_UP),
        trades=len(fills),
        fees_paid=sum((fill.fees for fill in fills), ZERO).quantize(HUNDREDTH),
        limit_up_buys=sum(1 for fill in fills if fill.side == "buy" and fill.at_limit_up),
        activity=activity_of(fills),
    )
