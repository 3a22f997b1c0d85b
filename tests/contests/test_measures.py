"""Per-entry measures and the lessons a report card picks: pure, no database."""

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gamification.contests.lessons import (
    CHASING,
    DIVERSIFICATION,
    NEXT_STEPS,
    TRADING_COSTS,
    pick_lessons,
)
from gamification.contests.measures import (
    DRAWDOWN_FLOOR_PCT,
    Figures,
    Fill,
    figures,
    max_drawdown_pct,
    risk_adjusted_score,
    sharpe_like,
    volatility_pct,
)

CASH = Decimal("1000000.00")
MONDAY = date(2026, 3, 2)
money = st.decimals(min_value=Decimal(1), max_value=Decimal(10_000_000), places=2)


def fill(side: str, notional: str, fees: str = "5.00", day: int = 0, **kw: bool) -> Fill:
    return Fill(side, Decimal(notional), Decimal(fees), date(2026, 3, 2 + day), **kw)


def test_drawdown_is_the_largest_fall_from_a_running_peak() -> None:
    closes = [Decimal(v) for v in ("1100000", "880000", "1200000", "1080000")]
    assert max_drawdown_pct(closes, CASH) == Decimal("20.00")  # 1.1M -> 0.88M


def test_a_fall_below_the_starting_cash_counts_from_the_starting_cash() -> None:
    assert max_drawdown_pct([Decimal("900000")], CASH) == Decimal("10.00")


@given(st.lists(money, max_size=40), money)
def test_drawdown_is_between_zero_and_a_hundred(closes: list[Decimal], cash: Decimal) -> None:
    assert Decimal(0) <= max_drawdown_pct(closes, cash) <= Decimal(100)


@given(st.lists(money, max_size=40))
def test_a_series_that_never_falls_has_no_drawdown(steps: list[Decimal]) -> None:
    closes, level = [], CASH
    for step in steps:
        level += step
        closes.append(level)
    assert max_drawdown_pct(closes, CASH) == 0


def test_a_flat_series_has_no_volatility_and_no_sharpe() -> None:
    returns = [Decimal(0)] * 5
    assert volatility_pct(returns) == 0
    assert sharpe_like(returns) is None


def test_volatility_is_annualised_daily_deviation() -> None:
    # returns +1% and -1%: deviation 1%, annualised by sqrt(252) = 15.87%
    assert volatility_pct([Decimal("0.01"), Decimal("-0.01")]) == Decimal("15.87")


def test_sharpe_is_mean_over_deviation_annualised() -> None:
    returns = [Decimal("0.02"), Decimal("0.00")]  # mean 1%, deviation 1%
    assert sharpe_like(returns) == Decimal("15.87")


def test_figures_of_a_concentrated_busy_entry() -> None:
    fills = [fill("buy", "100000", day=d % 3) for d in range(12)]
    fills += [fill("sell", "100000", day=d % 3, at_limit_up=False) for d in range(10)]
    result = figures(
        starting_cash=CASH,
        closes=[Decimal("990000"), Decimal("1010000")],
        equity=Decimal("1020000"),
        position_values=[Decimal("600000"), Decimal("0"), Decimal("20000")],
        fills=fills,
    )
    assert result.return_pct == Decimal("2.00")
    assert result.max_drawdown_pct == Decimal("1.00")
    assert (result.holdings, result.trades) == (2, 22)
    assert result.largest_position_pct == Decimal("58.82")
    assert result.turnover == Decimal("2.20")
    assert result.fees_paid == Decimal("110.00")
    assert (result.activity.round_trips, result.activity.trading_days) == (10, 3)


def test_risk_adjusted_score_floors_the_drawdown() -> None:
    assert risk_adjusted_score(Decimal("5.00"), Decimal("0.10")) == Decimal("5.00") / (
        DRAWDOWN_FLOOR_PCT
    )
    assert risk_adjusted_score(Decimal("10.00"), Decimal("4.00")) == Decimal("2.5")


def plain_figures(**changes: Any) -> Figures:
    base: dict[str, Any] = {
        "starting_cash": CASH,
        "closes": [CASH],
        "equity": CASH,
        "position_values": [Decimal("100000")],
        "fills": [fill("buy", "100000")],
    }
    return figures(**{**base, **changes})


def test_one_holding_over_half_the_equity_picks_the_diversification_lesson() -> None:
    card = plain_figures(position_values=[Decimal("600000")])
    assert pick_lessons(card, CASH)[0] == DIVERSIFICATION


def test_many_costly_trades_pick_the_trading_costs_lesson() -> None:
    busy = [fill("buy", "50000", fees="100.00", day=d % 5) for d in range(25)]
    picks = pick_lessons(plain_figures(fills=busy), CASH)
    assert TRADING_COSTS in picks


def test_many_cheap_trades_do_not_pick_the_trading_costs_lesson() -> None:
    busy = [fill("buy", "1000", fees="5.00") for _ in range(25)]
    assert TRADING_COSTS not in pick_lessons(plain_figures(fills=busy), CASH)


def test_buying_at_limit_up_picks_the_behavioural_traps_lesson() -> None:
    chased = [fill("buy", "100000", at_limit_up=True)]
    assert CHASING in pick_lessons(plain_figures(fills=chased), CASH)


def test_a_card_without_mistakes_still_has_two_lessons() -> None:
    assert pick_lessons(plain_figures(), CASH) == list(NEXT_STEPS)


@given(
    st.decimals(min_value=0, max_value=100, places=2),
    st.integers(min_value=0, max_value=60),
    st.booleans(),
    st.lists(money, max_size=5),
)
def test_a_card_has_two_or_three_distinct_lessons(
    largest: Decimal, trades: int, chased: bool, closes: list[Decimal]
) -> None:
    fills = [fill("buy", "100000", fees="200", at_limit_up=chased) for _ in range(trades)]
    card = plain_figures(
        position_values=[CASH * largest / 100], fills=fills, closes=closes or [CASH]
    )
    picks = pick_lessons(card, CASH)
    assert 2 <= len(picks) <= 3
    assert len({pick.lesson_slug for pick in picks}) == len(picks)
