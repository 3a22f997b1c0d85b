"""The market against PostgreSQL: instruments, the tick, bars, the index and partner pushes."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.accounts.partners import PARTNER_KEY_HEADER, create_partner
from api.audit import AuditLog
from api.scheduler.registry import all_jobs
from api.scheduler.schedules import Every
from api.settings import Settings
from core.clock import FrozenClock
from gamification.contests.calendar import market_calendar
from gamification.contests.market import move_market
from gamification.contests.market_data import Simulator
from gamification.contests.market_models import MarketIndex, Quote
from tests.contests.market_helpers import load_market
from tests.factories import TestUser, UserFactory

CALENDAR = market_calendar()


@pytest.fixture
async def learner(user_factory: UserFactory) -> TestUser:
    return await user_factory()


@pytest.fixture
async def market(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> None:
    await load_market(sessionmaker, clock)


@pytest.fixture
async def partner_headers(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> dict[str, str]:
    async with sessionmaker.begin() as db:
        _, key = await create_partner(db, clock, name=f"broker-{uuid.uuid4().hex[:6]}")
    return {PARTNER_KEY_HEADER: key}


async def tick(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, slot: int = 1
) -> int:
    async with sessionmaker.begin() as db:
        return await move_market(
            db, Simulator(seed=1, tick_seconds=5), now=clock.now(), slot=slot, calendar=CALENDAR
        )


async def quote_of(db: AsyncSession, symbol: str) -> Quote:
    quote = await db.get(Quote, symbol, populate_existing=True)
    assert quote is not None
    return quote


@pytest.mark.usefixtures("market")
async def test_instruments_page_through_every_symbol_once(
    client: AsyncClient, learner: TestUser
) -> None:
    symbols: list[str] = []
    cursor = None
    while True:
        params = {"limit": 25} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/v1/instruments", params=params, headers=learner.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        symbols += [item["symbol"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(symbols) == len(set(symbols)) >= 60
    assert symbols == sorted(symbols)


@pytest.mark.usefixtures("market")
async def test_an_instrument_shows_its_rules_and_a_simulated_price(
    client: AsyncClient, learner: TestUser
) -> None:
    response = await client.get("/v1/instruments", params={"q": "茅台"}, headers=learner.headers)
    (moutai,) = response.json()["items"]
    assert moutai == moutai | {
        "symbol": "600519.SH",
        "name": "贵州茅台",
        "kind": "stock",
        "board": "sh_main",
        "lot_size": 100,
        "lot_step": 100,
        "tick_size": "0.01",
        "limit_pct": "10.0",
        "prev_close": "1450.00",
        "last_price": "1450.00",
        "change_pct": "0.00",
        "simulated": True,
    }
    english = await client.get(
        "/v1/instruments",
        params={"board": "star", "limit": 100},
        headers=learner.headers | {"Accept-Language": "en"},
    )
    items = english.json()["items"]
    assert {item["board"] for item in items} == {"star"}
    smic = next(item for item in items if item["symbol"] == "688981.SH")
    assert smic["name"] == "Semiconductor Manufacturing International (SMIC)"
    assert (smic["lot_size"], smic["lot_step"]) == (200, 1)
    etf = await client.get("/v1/instruments", params={"q": "510300"}, headers=learner.headers)
    assert etf.json()["items"][0]["last_price"] == "4.650"  # an ETF's tick is 0.001


async def test_a_bad_board_or_cursor_is_a_422_naming_it(
    client: AsyncClient, learner: TestUser
) -> None:
    board = await client.get("/v1/instruments", params={"board": "nyse"}, headers=learner.headers)
    assert board.status_code in (400, 422)
    assert board.headers["content-type"].startswith("application/problem+json")
    cursor = await client.get("/v1/instruments", params={"cursor": "x"}, headers=learner.headers)
    assert cursor.status_code == 422
    assert cursor.json()["errors"][0]["field"] == "cursor"


async def test_the_market_needs_a_login(client: AsyncClient) -> None:
    assert (await client.get("/v1/instruments")).status_code == 401


@pytest.mark.usefixtures("market")
async def test_a_tick_moves_prices_only_while_the_market_is_open(
    sessionmaker: async_sessionmaker[AsyncSession], db: AsyncSession, clock: FrozenClock
) -> None:
    assert CALENDAR.is_open(clock.now())
    assert await tick(sessionmaker, clock) >= 60
    moved = await quote_of(db, "600519.SH")
    assert moved.quoted_at == clock.now()
    clock.advance(timedelta(hours=2, minutes=30))  # 12:00 in Shanghai: lunch
    assert await tick(sessionmaker, clock, slot=2) == 0
    assert (await quote_of(db, "600519.SH")).quoted_at == moved.quoted_at


@pytest.mark.usefixtures("market")
async def test_a_new_trading_day_rolls_the_previous_close(
    sessionmaker: async_sessionmaker[AsyncSession], db: AsyncSession, clock: FrozenClock
) -> None:
    for slot in range(1, 30):
        await tick(sessionmaker, clock, slot)
        clock.advance(timedelta(seconds=5))
    monday_close = (await quote_of(db, "300750.SZ")).last_price
    clock.advance(timedelta(days=1))  # Tuesday 09:32
    await tick(sessionmaker, clock, 100)
    quote = await quote_of(db, "300750.SZ")
    assert quote.trading_day == CALENDAR.trading_day(clock.now())
    assert quote.prev_close == monday_close
    index = await db.scalar(sa.select(MarketIndex).execution_options(populate_existing=True))
    assert index is not None
    assert index.trading_day == quote.trading_day


@pytest.mark.usefixtures("market")
async def test_ticks_keep_one_minute_and_daily_bars(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: AsyncClient,
    learner: TestUser,
    clock: FrozenClock,
) -> None:
    for slot in range(24):  # two minutes of ticks
        await tick(sessionmaker, clock, slot)
        clock.advance(timedelta(seconds=5))
    minute = await client.get("/v1/instruments/600519.SH/bars", headers=learner.headers)
    assert minute.status_code == 200, minute.text
    bars = minute.json()["items"]
    assert len(bars) == 2
    assert bars[0]["t"] < bars[1]["t"]
    for bar in bars:
        assert Decimal(bar["low"]) <= Decimal(bar["close"]) <= Decimal(bar["high"])
        assert bar["volume"] > 0
    daily = await client.get(
        "/v1/instruments/600519.SH/bars", params={"interval": "1d"}, headers=learner.headers
    )
    (day,) = daily.json()["items"]
    assert day["open"] == bars[0]["open"]
    assert day["close"] == bars[1]["close"]
    assert day["volume"] == bars[0]["volume"] + bars[1]["volume"]


@pytest.mark.usefixtures("market")
async def test_bars_of_an_unknown_symbol_are_a_404(client: AsyncClient, learner: TestUser) -> None:
    response = await client.get("/v1/instruments/999999.SH/bars", headers=learner.headers)
    assert response.status_code == 404
    bad = await client.get(
        "/v1/instruments/600519.SH/bars", params={"interval": "5m"}, headers=learner.headers
    )
    assert bad.status_code in (400, 422)


@pytest.mark.usefixtures("market")
async def test_the_index_moves_with_the_market_and_says_when_it_opens(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: AsyncClient,
    learner: TestUser,
    user_factory: UserFactory,
    clock: FrozenClock,
) -> None:
    before = (await client.get("/v1/market/index", headers=learner.headers)).json()
    assert before["level"] == before["prev_close"] == "4500.00"
    assert before["market_open"] is True
    for slot in range(1, 60):
        await tick(sessionmaker, clock, slot)
    after = (await client.get("/v1/market/index", headers=learner.headers)).json()
    assert after["level"] != before["level"]
    assert after["simulated"] is True
    clock.advance(timedelta(hours=6))  # 15:30: closed until tomorrow 09:30
    later = await user_factory()  # a fresh access token
    closed = (await client.get("/v1/market/index", headers=later.headers)).json()
    assert closed["market_open"] is False
    assert closed["next_open"].startswith("2026-03-03T01:30:00")


async def test_the_index_is_a_404_before_the_market_is_loaded(
    client: AsyncClient, learner: TestUser
) -> None:
    assert (await client.get("/v1/market/index", headers=learner.headers)).status_code == 404


def test_the_tick_job_runs_every_market_tick_seconds() -> None:
    settings = Settings(_env_file=None, market_tick_seconds=7)
    (job,) = [job for job in all_jobs(settings) if job.name == "contests.market-tick"]
    assert job.schedule == Every(seconds=7)


@pytest.mark.usefixtures("market")
async def test_a_push_accepts_good_quotes_and_refuses_each_bad_one_with_a_reason(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, partner_headers: dict[str, str]
) -> None:
    now = clock.now()
    quotes = [
        {"symbol": "600519.SH", "price": "1460.00", "at": now.isoformat()},
        {"symbol": "999999.SH", "price": "10.00", "at": now.isoformat()},
        {"symbol": "600036.SH", "price": "0", "at": now.isoformat()},
        {"symbol": "600036.SH", "price": "50.00", "at": now.isoformat()},  # band 38.34..46.86
        {"symbol": "600519.SH", "price": "1455.00", "at": (now - timedelta(1)).isoformat()},
        {"symbol": "510300.SH", "price": 4.655, "at": now.isoformat()},
    ]
    response = await client.post(
        "/v1/partner/quotes", json={"quotes": quotes}, headers=partner_headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "accepted": 2,
        "rejected": [
            {"index": 1, "symbol": "999999.SH", "reason": "unknown_symbol"},
            {"index": 2, "symbol": "600036.SH", "reason": "non_positive_price"},
            {"index": 3, "symbol": "600036.SH", "reason": "outside_band"},
            {"index": 4, "symbol": "600519.SH", "reason": "stale"},
        ],
    }
    moutai = await quote_of(db, "600519.SH")
    assert (moutai.last_price, moutai.simulated) == (Decimal("1460.00"), False)
    audit = await db.scalar(sa.select(AuditLog).where(col(AuditLog.action) == "market.quotes"))
    assert audit is not None
    assert audit.summary["accepted"] == 2


@pytest.mark.usefixtures("market")
async def test_a_pushed_price_is_not_simulated_until_the_simulator_moves_it(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: AsyncClient,
    learner: TestUser,
    clock: FrozenClock,
    partner_headers: dict[str, str],
) -> None:
    quote = {"symbol": "600519.SH", "price": "1460.00", "at": clock.now().isoformat()}
    await client.post("/v1/partner/quotes", json={"quotes": [quote]}, headers=partner_headers)
    shown = await client.get("/v1/instruments", params={"q": "600519"}, headers=learner.headers)
    assert shown.json()["items"][0]["simulated"] is False
    clock.advance(timedelta(seconds=5))
    await tick(sessionmaker, clock)
    shown = await client.get("/v1/instruments", params={"q": "600519"}, headers=learner.headers)
    assert shown.json()["items"][0]["simulated"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "quotes": [
                    {"symbol": "600519.SH", "price": "NaN", "at": "2026-03-02T09:30:00+08:00"}
                ]
            },
            "quotes[0].price",
        ),
        (
            {
                "quotes": [
                    {"symbol": "600519.SH", "price": "1e12", "at": "2026-03-02T09:30:00+08:00"}
                ]
            },
            "quotes[0].price",
        ),
        ({"quotes": [{"symbol": "600519.SH", "price": "1", "at": "2026-03-02T09:30:00"}]}, None),
        ({"quotes": []}, None),
        (
            {
                "quotes": [
                    {
                        "symbol": "600519.SH",
                        "price": "1",
                        "at": "2026-03-02T09:30:00+08:00",
                        "volume": 1,
                    }
                ]
            },
            None,
        ),
    ],
)
@pytest.mark.usefixtures("market")
async def test_a_malformed_push_is_a_422_and_changes_nothing(
    client: AsyncClient,
    db: AsyncSession,
    partner_headers: dict[str, str],
    body: dict[str, object],
    field: str | None,
) -> None:
    response = await client.post("/v1/partner/quotes", json=body, headers=partner_headers)
    assert response.status_code in (400, 422), response.text
    if field is not None:
        assert response.json()["errors"][0]["field"] == field
    assert (await quote_of(db, "600519.SH")).last_price == Decimal("1450.00")


async def test_a_push_needs_a_partner_key(client: AsyncClient, learner: TestUser) -> None:
    response = await client.post("/v1/partner/quotes", json={"quotes": []}, headers=learner.headers)
    assert response.status_code == 401


@pytest.mark.usefixtures("market")
async def test_control_characters_are_refused_before_the_database_sees_them(
    client: AsyncClient, learner: TestUser, partner_headers: dict[str, str], clock: FrozenClock
) -> None:
    search = await client.get("/v1/instruments", params={"q": "茅\x00"}, headers=learner.headers)
    assert search.status_code in (400, 422)
    bars = await client.get("/v1/instruments/6005%0019.SH/bars", headers=learner.headers)
    assert bars.status_code == 404
    at = clock.now().isoformat()
    nul = {"quotes": [{"symbol": "600519\x00", "price": "1", "at": at}]}
    response = await client.post("/v1/partner/quotes", json=nul, headers=partner_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("quotes[0].symbol")
    odd = {"quotes": [{"symbol": "AAPL", "price": "1", "at": at}]}
    response = await client.post("/v1/partner/quotes", json=odd, headers=partner_headers)
    assert response.json()["rejected"] == [
        {"index": 0, "symbol": "AAPL", "reason": "unknown_symbol"}
    ]
