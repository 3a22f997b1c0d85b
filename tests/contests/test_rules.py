"""The pure cn_a_share rule pack: fees against a hand-computed table, lots, ticks, bands and
the decision every order goes through. No database."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gamification.contests.rules import (
    FEN,
    ContestRules,
    FeeSchedule,
    Holdings,
    LotRule,
    OrderIntent,
    OrderType,
    RejectReason,
    Side,
    Tradable,
    buy_cost,
    buy_quantity_ok,
    decide,
    fees_for,
    on_tick,
    price_band,
    sell_quantity_ok,
)

D = Decimal
DEFAULT = FeeSchedule()
MAIN = LotRule(100, 100)
STAR = LotRule(200, 1)


@pytest.mark.parametrize(
    ("side", "notional", "commission", "stamp_duty", "transfer_fee", "total"),
    [
        # 0.025% of 10,000 is 2.50: the ¥5 minimum applies.
        (Side.BUY, "10000.00", "5.00", "0.00", "0.10", "5.10"),
        (Side.SELL, "10000.00", "5.00", "5.00", "0.10", "10.10"),
        (Side.BUY, "20000.00", "5.00", "0.00", "0.20", "5.20"),
        (Side.BUY, "20020.00", "5.01", "0.00", "0.20", "5.21"),  # 5.005 rounds half up
        (Side.BUY, "33333.33", "8.33", "0.00", "0.33", "8.66"),
        (Side.SELL, "123456.78", "30.86", "61.73", "1.23", "93.82"),
        (Side.BUY, "1000000.00", "250.00", "0.00", "10.00", "260.00"),
        (Side.SELL, "1000000.00", "250.00", "500.00", "10.00", "760.00"),
        (Side.SELL, "100.00", "5.00", "0.05", "0.00", "5.05"),
    ],
)
def test_fees_match_the_hand_computed_table(
    side: Side, notional: str, commission: str, stamp_duty: str, transfer_fee: str, total: str
) -> None:
    fees = fees_for(side, D(notional), DEFAULT)
    assert (fees.commission, fees.stamp_duty, fees.transfer_fee, fees.total) == (
        D(commission),
        D(stamp_duty),
        D(transfer_fee),
        D(total),
    )


def test_a_contest_can_waive_the_minimum_and_change_every_rate() -> None:
    schedule = FeeSchedule(
        commission_rate=D("0.0001"),
        commission_min=D("0"),
        stamp_duty_rate=D("0.001"),
        transfer_fee_rate=D("0"),
    )
    fees = fees_for(Side.SELL, D("10000.00"), schedule)
    assert (fees.commission, fees.stamp_duty, fees.transfer_fee) == (D("1.00"), D("10.00"), D(0))


money = st.decimals(min_value=D("0.01"), max_value=D("100000000"), places=2)


@given(notional=money, side=st.sampled_from(Side))
def test_fees_are_in_fen_and_never_below_the_minimum(notional: Decimal, side: Side) -> None:
    fees = fees_for(side, notional, DEFAULT)
    for part in (fees.commission, fees.stamp_duty, fees.transfer_fee):
        assert part == part.quantize(FEN)
        assert part >= 0
    assert fees.commission >= D("5.00")
    assert abs(fees.transfer_fee - notional * D("0.00001")) <= D("0.005")
    if side is Side.BUY:
        assert fees.stamp_duty == 0
    else:
        assert abs(fees.stamp_duty - notional * D("0.0005")) <= D("0.005")


@given(a=money, b=money, side=st.sampled_from(Side))
def test_a_bigger_trade_never_costs_less_in_fees(a: Decimal, b: Decimal, side: Side) -> None:
    small, big = sorted((a, b))
    assert fees_for(side, small, DEFAULT).total <= fees_for(side, big, DEFAULT).total


@given(quantity=st.integers(min_value=-1000, max_value=10**9))
def test_main_board_buys_come_in_hundreds(quantity: int) -> None:
    assert buy_quantity_ok(quantity, MAIN) == (quantity > 0 and quantity % 100 == 0)


@given(quantity=st.integers(min_value=-1000, max_value=10**9))
def test_star_buys_start_at_200_then_go_in_ones(quantity: int) -> None:
    assert buy_quantity_ok(quantity, STAR) == (quantity >= 200)


@given(holding=st.integers(min_value=1, max_value=10**6), quantity=st.integers(1, 10**6))
def test_an_odd_lot_is_sold_only_all_at_once(holding: int, quantity: int) -> None:
    expected = quantity % 100 == 0 or quantity == holding
    assert sell_quantity_ok(quantity, MAIN, holding=holding) == expected


@given(
    ticks=st.integers(min_value=1, max_value=10**8), tick=st.sampled_from([D("0.01"), D("0.001")])
)
def test_prices_must_be_whole_ticks(ticks: int, tick: Decimal) -> None:
    assert on_tick(tick * ticks, tick)
    assert not on_tick(tick * ticks + tick / 10, tick)
    assert not on_tick(-tick * ticks, tick)


@given(
    prev_close=st.decimals(min_value=D("0.10"), max_value=D("3000"), places=2),
    limit_pct=st.sampled_from([D(5), D(10), D(20), D(30)]),
    tick=st.sampled_from([D("0.01"), D("0.001")]),
)
def test_the_band_is_the_previous_close_plus_minus_the_limit_rounded_to_the_tick(
    prev_close: Decimal, limit_pct: Decimal, tick: Decimal
) -> None:
    down, up = price_band(prev_close, limit_pct, tick)
    assert on_tick(down, tick)
    assert on_tick(up, tick)
    assert down <= prev_close <= up
    exact = prev_close * limit_pct / 100
    assert abs(up - prev_close - exact) <= tick / 2
    assert down == max(tick, (prev_close - exact).quantize(tick, rounding="ROUND_HALF_UP"))


def test_the_exchange_rounds_the_limit_half_up() -> None:
    # 10% of 11.05 is 1.105: the limit-up is 12.16 (12.155 half up), the limit-down 9.95 (9.945).
    assert price_band(D("11.05"), D(10), D("0.01")) == (D("9.95"), D("12.16"))
    assert price_band(D("3.456"), D(10), D("0.001")) == (D("3.110"), D("3.802"))


def tradable(last: str = "10.00", prev_close: str = "10.00", lot: LotRule = MAIN) -> Tradable:
    return Tradable(
        lot=lot,
        tick_size=D("0.01"),
        limit_pct=D(10),
        prev_close=D(prev_close),
        last_price=D(last),
    )


def holdings(
    cash: str = "1000000.00", unreserved: int = 0, sellable: int = 0, value: str = "0"
) -> Holdings:
    return Holdings(
        cash_available=D(cash),
        equity=D(cash) + D(value),
        unreserved=unreserved,
        sellable=sellable,
        position_value=D(value),
    )


def buy(quantity: int, limit: str | None = None) -> OrderIntent:
    kind = OrderType.MARKET if limit is None else OrderType.LIMIT
    return OrderIntent(Side.BUY, kind, quantity, D(limit) if limit else None)


def sell(quantity: int, limit: str | None = None) -> OrderIntent:
    kind = OrderType.MARKET if limit is None else OrderType.LIMIT
    return OrderIntent(Side.SELL, kind, quantity, D(limit) if limit else None)


RULES = ContestRules()


@pytest.mark.parametrize(
    ("order", "held", "reason"),
    [
        (buy(150), holdings(), RejectReason.LOT_SIZE),
        (buy(100, "10.005"), holdings(), RejectReason.TICK_SIZE),
        (buy(100, "11.01"), holdings(), RejectReason.PRICE_BAND),
        (buy(100, "8.99"), holdings(), RejectReason.PRICE_BAND),
        (buy(100), holdings(cash="1005.00"), RejectReason.INSUFFICIENT_CASH),  # 1000 + 5.01 fees
        (sell(100), holdings(unreserved=0), RejectReason.INSUFFICIENT_SHARES),
        (sell(100), holdings(unreserved=100, sellable=0), RejectReason.T_PLUS_ONE),
        (sell(150), holdings(unreserved=300, sellable=300), RejectReason.LOT_SIZE),
    ],
)
def test_each_broken_rule_is_named(
    order: OrderIntent, held: Holdings, reason: RejectReason
) -> None:
    assert decide(order, tradable(), held, RULES).reject is reason


def test_cash_for_fees_included_is_enough() -> None:
    assert decide(buy(100), tradable(), holdings(cash="1005.01"), RULES).fill_price == D("10.00")


def test_a_marketable_limit_fills_at_the_last_price_and_another_rests() -> None:
    assert decide(buy(100, "10.50"), tradable(), holdings(), RULES).fill_price == D("10.00")
    assert decide(buy(100, "9.50"), tradable(), holdings(), RULES).rests
    assert decide(
        sell(100, "9.50"), tradable(), holdings(unreserved=100, sellable=100), RULES
    ).fill_price == D("10.00")
    assert decide(
        sell(100, "10.50"), tradable(), holdings(unreserved=100, sellable=100), RULES
    ).rests


def test_a_resting_buy_must_afford_its_limit_price() -> None:
    # 100 at 9.50 plus the ¥5.01 minimum fees: 955.01.
    assert decide(buy(100, "9.50"), tradable(), holdings(cash="955.00"), RULES).reject is (
        RejectReason.INSUFFICIENT_CASH
    )
    assert decide(buy(100, "9.50"), tradable(), holdings(cash="955.01"), RULES).rests


def test_contest_switches_minimum_price_and_concentration_cap() -> None:
    cheap = tradable(last="1.50", prev_close="1.50")
    assert decide(buy(100), cheap, holdings(), ContestRules(min_price=D("2"))).reject is (
        RejectReason.MIN_PRICE
    )
    capped = ContestRules(concentration_cap_pct=D(20))
    # ¥100,000 equity: 2,000 shares at ¥10 is 20% (allowed), 2,100 is over.
    assert decide(buy(2000), tradable(), holdings(cash="100000.00"), capped).reject is (
        RejectReason.CONCENTRATION_CAP
    )  # the fees take equity just under 100,000
    assert decide(buy(1900), tradable(), holdings(cash="100000.00"), capped).fill_price
    assert decide(buy(100), tradable(), holdings(cash="80500", value="19500"), capped).reject is (
        RejectReason.CONCENTRATION_CAP
    )


def test_t_plus_one_can_be_switched_off_and_does_not_bind_t_plus_zero_funds() -> None:
    held = holdings(unreserved=100, sellable=0)
    assert decide(sell(100), tradable(), held, ContestRules(t_plus_one=False)).fill_price
    gold_etf = Tradable(MAIN, D("0.01"), D(10), D("10.00"), D("10.00"), t_plus_zero=True)
    assert decide(sell(100), gold_etf, held, RULES).fill_price


def test_a_tiny_sell_whose_fees_exceed_it_needs_cash_for_the_rest() -> None:
    # One STAR share at ¥1.00 fetches ¥1.00 and costs ¥5.00 commission (plus 0.00 duty).
    star = tradable(last="1.00", prev_close="1.00", lot=STAR)
    held = holdings(cash="3.00", unreserved=1, sellable=1)
    assert decide(sell(1), star, held, RULES).reject is RejectReason.INSUFFICIENT_CASH


@given(
    cash=st.decimals(min_value=D("0"), max_value=D("2000000"), places=2),
    lots=st.integers(min_value=1, max_value=2000),
    last=st.decimals(min_value=D("1.00"), max_value=D("500.00"), places=2),
)
def test_a_filled_buy_never_costs_more_than_the_cash_available(
    cash: Decimal, lots: int, last: Decimal
) -> None:
    decision = decide(buy(lots * 100), tradable(str(last), str(last)), holdings(str(cash)), RULES)
    if decision.fill_price is not None:
        assert buy_cost(lots * 100, decision.fill_price, DEFAULT) <= cash
    else:
        assert decision.reject is RejectReason.INSUFFICIENT_CASH
