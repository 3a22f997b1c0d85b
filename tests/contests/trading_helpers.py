"""A small market of its own for the trading tests (four instruments, one per kind of rule), a
contest, and moving a price, straight in the database."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.accounts.tokens import issue_access_token
from api.settings import Settings
from core.clock import FrozenClock
from gamification.contests.calendar import market_calendar
from tests.factories import TestUser, UserFactory

D = Decimal
# symbol: (board, kind, lot_size, lot_step, tick, limit_pct, price, t_plus_zero)
INSTRUMENTS: dict[str, tuple[str, str, int, int, str, str, str, bool]] = {
    "600519.SH": ("sh_main", "stock", 100, 100, "0.01", "10", "10.00", False),
    "688981.SH": ("star", "stock", 200, 1, "0.01", "20", "50.00", False),
    "510300.SH": ("sh_main", "etf", 100, 100, "0.001", "10", "3.456", False),
    "518880.SH": ("sh_main", "etf", 100, 100, "0.001", "10", "5.000", True),
}
MAIN, STAR, ETF, GOLD = INSTRUMENTS


async def add_market(db: AsyncSession, now: datetime) -> None:
    day = market_calendar().trading_day(now)
    for symbol, (board, kind, lot, step, tick, pct, price, t0) in INSTRUMENTS.items():
        await db.execute(
            sa.text(
                "INSERT INTO contest_instrument (symbol, name_zh, name_en, kind, board, "
                "risk_warning, t_plus_zero, lot_size, lot_step, tick_size, limit_pct, "
                "reference_price, drift, volatility, beta) VALUES (:symbol, :symbol, :symbol, "
                ":kind, :board, false, :t0, :lot, :step, :tick, :pct, :price, 0.05, 0.3, 1) "
                "ON CONFLICT DO NOTHING"
            ),
            {"symbol": symbol, "kind": kind, "board": board, "t0": t0, "lot": lot,
             "step": step, "tick": D(tick), "pct": D(pct), "price": D(price)},
        )  # fmt: skip
        await db.execute(
            sa.text(
                "INSERT INTO contest_quote (symbol, trading_day, prev_close, open_price, "
                "high_price, low_price, last_price, volume, quoted_at, simulated) VALUES "
                "(:symbol, :day, :price, :price, :price, :price, :price, 0, :now, true) "
                "ON CONFLICT (symbol) DO UPDATE SET prev_close = :price, open_price = :price, "
                "high_price = :price, low_price = :price, last_price = :price"
            ),
            {"symbol": symbol, "day": day, "price": D(price), "now": now},
        )


async def set_price(db: AsyncSession, symbol: str, price: str) -> None:
    await db.execute(
        sa.text(
            "UPDATE contest_quote SET last_price = :price, high_price = GREATEST(high_price, "
            ":price), low_price = LEAST(low_price, :price) WHERE symbol = :symbol"
        ),
        {"symbol": symbol, "price": D(price)},
    )


def at(user: TestUser, settings: Settings, now: datetime) -> TestUser:
    """The same user with an access token issued at `now` (tests that move the clock)."""
    token = issue_access_token(
        settings.secret_key.get_secret_value(),
        user_id=user.id,
        session_id=user.session_id,
        now=now,
        lifetime=timedelta(minutes=settings.access_token_minutes),
    )
    return TestUser(user.id, user.email, user.session_id, token)


def contest_body(now: datetime, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": {"zh-CN": "模拟盘练习场", "en": "Practice arena"},
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=30)).isoformat(),
        "market_hours": "always",
    }
    body.update(overrides)
    return body


async def create_contest(
    client: AsyncClient, marketer: TestUser, now: datetime, **overrides: Any
) -> str:
    response = await client.post(
        "/v1/admin/contests", json=contest_body(now, **overrides), headers=marketer.headers
    )
    assert response.status_code == 201, response.text
    contest_id: str = response.json()["id"]
    return contest_id


async def join(client: AsyncClient, contest_id: str, user: TestUser) -> dict[str, Any]:
    response = await client.post(f"/v1/contests/{contest_id}/entries", headers=user.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def order(
    side: str = "buy",
    quantity: int = 100,
    symbol: str = MAIN,
    limit_price: str | None = None,
    client_order_id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "symbol": symbol,
        "side": side,
        "type": "market" if limit_price is None else "limit",
        "quantity": quantity,
        "client_order_id": client_order_id or uuid.uuid4().hex,
    }
    if limit_price is not None:
        body["limit_price"] = limit_price
    return body


async def place(
    client: AsyncClient, contest_id: str, user: TestUser, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/contests/{contest_id}/orders", json=body, headers=user.headers
    )
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def portfolio(client: AsyncClient, contest_id: str, user: TestUser) -> dict[str, Any]:
    response = await client.get(f"/v1/contests/{contest_id}/portfolio", headers=user.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# Fixtures: import them into a test module to use them.
@pytest.fixture
async def trading_market(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker.begin() as db:
        await add_market(db, clock.now())


@pytest.fixture
async def marketer(user_factory: UserFactory) -> TestUser:
    return await user_factory(roles=["marketer"])


@pytest.fixture
async def learner(user_factory: UserFactory) -> TestUser:
    return await user_factory()
