"""The market's pure parts: the instrument file, the simulator, the replay tape and the checks
on pushed quotes."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from statistics import correlation

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.settings import REPLAY_SAMPLE
from gamification.contests.instruments import InstrumentFileError, parse_instruments
from gamification.contests.partner_quotes import LiveQuote, PushedQuote, QuoteRefusal, refusal
from gamification.contests.replay import ReplayFileError, load_tape
from gamification.contests.rules import on_tick, price_band
from gamification.contests.simulator import QuoteState, simulate_moves
from tests.contests.market_helpers import INSTRUMENTS_FILE, shipped_instruments

DAY = date(2026, 12, 1)


def quote_state(**overrides: object) -> QuoteState:
    fields: dict[str, object] = {
        "symbol": "600000.SH",
        "trading_day": DAY,
        "prev_close": Decimal("10.00"),
        "last_price": Decimal("10.00"),
        "tick_size": Decimal("0.01"),
        "limit_pct": Decimal("10"),
        "lot_size": 100,
        "drift": Decimal("0.05"),
        "volatility": Decimal("0.30"),
        "beta": Decimal("1.0"),
    }
    return QuoteState(**(fields | overrides))  # type: ignore[arg-type]


def test_the_shipped_file_has_every_board_etfs_and_risk_warning_names() -> None:
    instruments = shipped_instruments().instruments
    assert len(instruments) >= 60
    boards = {i.board for i in instruments if i.kind == "stock"}
    assert boards == {"sh_main", "sz_main", "chinext", "star", "bse"}
    assert sum(i.kind == "etf" for i in instruments) >= 10
    assert sum(i.risk_warning for i in instruments) >= 3
    star = next(i for i in instruments if i.symbol == "688981.SH")
    assert (star.lot_size, star.lot_step, star.limit_pct) == (200, 1, Decimal(20))
    etf = next(i for i in instruments if i.symbol == "510300.SH")
    assert (etf.tick_size, etf.lot_size) == ("0.001", 100)


def test_a_wrong_board_rule_in_the_file_is_refused_by_name() -> None:
    document = {
        "format": 1,
        "index": {"code": "IQ300", "name_zh": "指数", "name_en": "Index", "level": "4500.00"},
        "instruments": [
            {
                "symbol": "688981.SH",
                "name_zh": "中芯国际",
                "name_en": "SMIC",
                "kind": "stock",
                "board": "star",
                "risk_warning": False,
                "t_plus_zero": False,
                "lot_size": 100,
                "lot_step": 100,
                "tick_size": "0.01",
                "limit_pct": "10",
                "reference_price": "110.205",
                "drift": "0.05",
                "volatility": "0.5",
                "beta": "1.5",
            }
        ],
    }
    with pytest.raises(InstrumentFileError) as caught:
        parse_instruments(document)
    message = str(caught.value)
    assert "688981.SH: lots on star are 200 then 1" in message
    assert "band on star is ±20%" in message
    assert "not on the tick" in message


def test_an_unknown_field_in_the_file_is_refused() -> None:
    import yaml

    document = yaml.safe_load(INSTRUMENTS_FILE.read_text(encoding="utf-8"))
    document["instruments"][0]["sector"] = "liquor"
    with pytest.raises(InstrumentFileError, match="sector"):
        parse_instruments(document)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    price=st.decimals("0.50", "2000", places=2),
    volatility=st.decimals("0.05", "2", places=2),
    limit=st.sampled_from([Decimal(10), Decimal(20), Decimal(30)]),
)
def test_the_simulator_never_leaves_the_band_and_stays_on_the_tick(
    seed: int, price: Decimal, volatility: Decimal, limit: Decimal
) -> None:
    quote = quote_state(prev_close=price, last_price=price, volatility=volatility, limit_pct=limit)
    low, high = price_band(price, limit, quote.tick_size)
    for slot in range(300):
        (move,) = simulate_moves([quote], seed=seed, slot=slot, tick_seconds=5)
        assert low <= move.price <= high
        assert on_tick(move.price, quote.tick_size)
        assert move.volume > 0
        assert move.volume % quote.lot_size == 0
        quote = replace(quote, last_price=move.price)


def test_ten_thousand_wild_ticks_stay_in_the_band() -> None:
    """A violent instrument with a long tick hits both limits; it never passes them."""
    quote = quote_state(volatility=Decimal("2"), tick_size=Decimal("0.001"))
    low, high = price_band(quote.prev_close, quote.limit_pct, quote.tick_size)
    seen = set()
    for slot in range(10_000):
        (move,) = simulate_moves([quote], seed=7, slot=slot, tick_seconds=600)
        assert low <= move.price <= high
        seen.add(move.price)
        quote = replace(quote, last_price=move.price)
    assert {low, high} <= seen


def test_the_same_seed_and_slot_give_the_same_prices() -> None:
    quotes = [quote_state(symbol=f"60000{n}.SH") for n in range(5)]
    first = simulate_moves(quotes, seed=1, slot=99, tick_seconds=5)
    assert first == simulate_moves(quotes, seed=1, slot=99, tick_seconds=5)
    assert first != simulate_moves(quotes, seed=2, slot=99, tick_seconds=5)


def test_a_cheap_stock_still_moves_tick_by_tick() -> None:
    """Plain rounding would pin a ¥2 stock: five seconds of volatility is far below a fen."""
    quote = quote_state(prev_close=Decimal("2.00"), last_price=Decimal("2.00"))
    prices = set()
    for slot in range(2000):
        (move,) = simulate_moves([quote], seed=3, slot=slot, tick_seconds=5)
        prices.add(move.price)
        quote = replace(quote, last_price=move.price)
    assert len(prices) > 3


def test_the_market_moves_together() -> None:
    """High-beta instruments share the index factor: their returns are correlated."""
    quotes = [
        quote_state(
            symbol=f"60000{n}.SH", prev_close=Decimal("1000.00"), last_price=Decimal("1000.00")
        )
        for n in range(2)
    ]
    returns: list[list[float]] = [[], []]
    for slot in range(3000):
        moves = simulate_moves(quotes, seed=11, slot=slot, tick_seconds=60)
        for n, move in enumerate(moves):
            returns[n].append(float(move.price / quotes[n].last_price) - 1)
        quotes = [replace(q, last_price=m.price) for q, m in zip(quotes, moves, strict=True)]
    assert correlation(returns[0], returns[1]) > 0.3


def test_the_replay_sample_moves_through_its_bars_and_cycles() -> None:
    tape = load_tape(REPLAY_SAMPLE)
    quote = quote_state(
        symbol="600519.SH", prev_close=Decimal("1450.00"), last_price=Decimal("1450.00")
    )
    bars = tape.bars["600519.SH"]
    assert len(bars) == 20
    (first,) = tape.moves([quote], slot=0)
    assert first.price == bars[0].close
    assert tape.moves([quote], slot=20) == [first]
    assert tape.moves([quote_state(symbol="000001.SZ")], slot=0) == []


def test_a_replay_close_outside_the_band_is_held_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(
        "symbol,t,open,high,low,close,volume\n"
        "600000.SH,2026-11-27T09:30:00+08:00,10,13,10,12.999,100\n"
    )
    (move,) = load_tape(path).moves([quote_state()], slot=0)
    assert move.price == Decimal("11.00")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("symbol,close\n", "header"),
        ("symbol,t,open,high,low,close,volume\n600000.SH,2026-11-27T09:30:00,1,1,1,1,1\n", ":2"),
        (
            "symbol,t,open,high,low,close,volume\n600000.SH,2026-11-27T09:30:00+08:00,1,1,1,x,1\n",
            ":2",
        ),
        ("symbol,t,open,high,low,close,volume\n600000.SH,2026-11-27T09:30:00+08:00,1,1\n", ":2"),
    ],
)
def test_a_malformed_replay_file_names_the_line(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(content)
    with pytest.raises(ReplayFileError, match=problem):
        load_tape(path)


NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def live(**overrides: object) -> LiveQuote:
    fields: dict[str, object] = {
        "trading_day": DAY,
        "prev_close": Decimal("10.00"),
        "last_price": Decimal("10.50"),
        "quoted_at": NOW - timedelta(seconds=10),
        "tick_size": Decimal("0.01"),
        "limit_pct": Decimal("10"),
    }
    return LiveQuote(**(fields | overrides))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("price", "at", "state", "day", "reason"),
    [
        ("10.60", NOW, live(), DAY, None),
        ("11.00", NOW, live(), DAY, None),  # exactly limit-up
        ("11.01", NOW, live(), DAY, QuoteRefusal.OUTSIDE_BAND),
        ("8.99", NOW, live(), DAY, QuoteRefusal.OUTSIDE_BAND),
        ("0", NOW, live(), DAY, QuoteRefusal.NON_POSITIVE_PRICE),
        ("-1", NOW, live(), DAY, QuoteRefusal.NON_POSITIVE_PRICE),
        ("10.60", NOW - timedelta(seconds=11), live(), DAY, QuoteRefusal.STALE),
        ("10.60", NOW + timedelta(minutes=5), live(), DAY, QuoteRefusal.FUTURE_TIME),
        ("10.605", NOW, live(), DAY, QuoteRefusal.OFF_TICK),
        ("10.60", NOW, None, DAY, QuoteRefusal.UNKNOWN_SYMBOL),
        # The next trading day's band is around today's last price, 10.50: up to 11.55.
        ("11.55", NOW + timedelta(seconds=1), live(), date(2026, 12, 2), None),
    ],
)
def test_pushed_quotes_are_refused_with_a_reason(
    price: str, at: datetime, state: LiveQuote | None, day: date, reason: QuoteRefusal | None
) -> None:
    pushed = PushedQuote("600000.SH", Decimal(price), at)
    assert refusal(pushed, state, day=day, now=NOW) == reason
