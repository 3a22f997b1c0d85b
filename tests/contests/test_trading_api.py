"""Contests over HTTP: defining one, joining, orders and their rejections, the portfolio."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from api.settings import Settings
from core.clock import FrozenClock
from tests.contests.trading_helpers import (
    ETF,
    GOLD,
    STAR,
    at,
    contest_body,
    create_contest,
    join,
    learner,
    marketer,
    order,
    place,
    portfolio,
    trading_market,
)
from tests.contract.test_timestamps import TIMESTAMP
from tests.factories import TestUser, UserFactory

__all__ = ["learner", "marketer", "trading_market"]  # fixtures used by name

pytestmark = pytest.mark.usefixtures("trading_market")
D = Decimal


async def test_a_contest_gets_the_rule_packs_figures_by_default(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, learner: TestUser
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    response = await client.get(f"/v1/contests/{contest_id}", headers=learner.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "模拟盘练习场"
    assert (body["status"], body["starting_cash"], body["entrants"], body["joined"]) == (
        "running",
        "1000000.00",
        0,
        False,
    )
    rules = body["rules"]
    assert (rules["commission_rate"], rules["commission_min"]) == ("0.00025", "5.00")
    assert (rules["stamp_duty_rate"], rules["transfer_fee_rate"]) == ("0.0005", "0.00001")
    assert (rules["t_plus_one"], rules["late_entry"], rules["concentration_cap_pct"]) == (
        True,
        True,
        None,
    )
    assert body["universe"] == {"symbols": [], "boards": []}
    assert body["registration_ends_at"] == body["ends_at"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2026-03-01T00:00:00+08:00"}, "ends_at"),
        ({"rules": {"commission_rate": "0.01"}}, "rules.commission_rate"),
        ({"rules": {"commission_rate": "NaN"}}, "rules.commission_rate"),
        ({"rules": {"concentration_cap_pct": 0}}, "rules.concentration_cap_pct"),
        ({"starting_cash": "100.001"}, "starting_cash"),
        ({"starting_cash": -5}, "starting_cash"),
        ({"universe": {"symbols": ["000000.SZ"]}}, "universe.symbols"),
        ({"universe": {"boards": ["nasdaq"]}}, "universe.boards[0]"),
        ({"prizes": [{"rank_from": 5, "rank_to": 1, "points": 10}]}, "prizes[0].rank_to"),
        ({"market_hours": "weekends"}, "market_hours"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_an_invalid_contest_is_422_naming_the_field(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    db: AsyncSession,
    overrides: dict[str, object],
    field: str,
) -> None:
    response = await client.post(
        "/v1/admin/contests", json=contest_body(clock.now(), **overrides), headers=marketer.headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json()["errors"]]
    assert await db.scalar(sa.text("SELECT count(*) FROM contest")) == 0


async def test_only_marketers_define_contests(
    client: AsyncClient, clock: FrozenClock, learner: TestUser
) -> None:
    response = await client.post(
        "/v1/admin/contests", json=contest_body(clock.now()), headers=learner.headers
    )
    assert response.status_code == 403


async def test_a_contest_is_edited_before_it_starts_and_not_after(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, settings: Settings
) -> None:
    later = clock.now() + timedelta(days=1)
    contest_id = await create_contest(client, marketer, clock.now(), starts_at=later.isoformat())
    response = await client.patch(
        f"/v1/admin/contests/{contest_id}",
        json={"rules": {"commission_min": "0", "concentration_cap_pct": 25}, "max_entrants": 2},
        headers=marketer.headers,
    )
    assert response.status_code == 200, response.text
    rules = response.json()["rules"]
    assert (rules["commission_min"], rules["concentration_cap_pct"]) == ("0.00", "25")
    assert rules["commission_rate"] == "0.00025"  # untouched
    clock.set(later)
    marketer = at(marketer, settings, later)
    response = await client.patch(
        f"/v1/admin/contests/{contest_id}", json={"max_entrants": 3}, headers=marketer.headers
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/contest-started")


async def test_joining_twice_full_or_closed_is_409_with_a_reason(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, user_factory: UserFactory
) -> None:
    first, second = await user_factory(), await user_factory()
    small = await create_contest(client, marketer, clock.now(), max_entrants=1)
    assert (await join(client, small, first))["cash"] == "1000000.00"
    again = await client.post(f"/v1/contests/{small}/entries", headers=first.headers)
    assert (again.status_code, again.json()["type"].split("/")[-1]) == (409, "already-joined")
    full = await client.post(f"/v1/contests/{small}/entries", headers=second.headers)
    assert (full.status_code, full.json()["type"].split("/")[-1]) == (409, "contest-full")
    no_late = await create_contest(client, marketer, clock.now(), late_entry=False)
    late = await client.post(f"/v1/contests/{no_late}/entries", headers=first.headers)
    assert (late.status_code, late.json()["type"].split("/")[-1]) == (409, "registration-closed")
    assert late.json()["reason"] == "no-late-entry"
    listed = await client.get("/v1/contests?status=running", headers=first.headers)
    joined = {item["id"]: (item["joined"], item["entrants"]) for item in listed.json()["items"]}
    assert joined == {small: (True, 1), no_late: (False, 0)}


async def test_a_market_buy_fills_at_the_last_price_and_pays_its_fees(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, learner: TestUser
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    filled = await place(client, contest_id, learner, order("buy", 1000))
    assert (filled["status"], filled["avg_fill_price"], filled["filled_quantity"]) == (
        "filled",
        "10.00",
        1000,
    )
    # Times in the one format of every response, milliseconds included.
    assert TIMESTAMP.match(filled["created_at"])
    assert TIMESTAMP.match(filled["expires_at"])
    # 10,000: commission 0.025% is 2.50, so the ¥5 minimum; transfer 0.001% is 0.10.
    assert filled["fees"] == {
        "commission": "5.00",
        "stamp_duty": "0.00",
        "transfer_fee": "0.10",
        "total": "5.10",
    }
    book = await portfolio(client, contest_id, learner)
    assert (book["cash"], book["equity"], book["fees_paid"]) == (
        "989994.90",
        "999994.90",
        "5.10",
    )
    assert book["return_pct"] == "0.00"  # -0.0005% shows as 0.00, never -0.00
    (position,) = book["positions"]
    assert (position["quantity"], position["available"], position["avg_cost"]) == (
        1000,
        0,  # bought today: T+1
        "10.005",  # 10,005.10 / 1000, fees included
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (order("buy", 150), "lot_size"),
        (order("buy", 199, symbol=STAR), "lot_size"),
        (order("buy", 100, limit_price="10.005"), "tick_size"),
        (order("buy", 100, limit_price="11.01"), "price_band"),
        (order("buy", 100, limit_price="8.99"), "price_band"),
        (order("buy", 100_000_000), "insufficient_cash"),
        (order("sell", 100), "insufficient_shares"),
        (order("buy", 100, symbol="000001.SZ"), "not_in_universe"),
        (order("buy", 100, symbol="AAPL"), "not_in_universe"),
    ],
)
async def test_a_well_formed_order_breaking_a_rule_is_a_201_rejected_order(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    body: dict[str, object],
    reason: str,
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    response = await client.post(
        f"/v1/contests/{contest_id}/orders", json=body, headers=learner.headers
    )
    assert response.status_code == 201, response.text
    assert (response.json()["status"], response.json()["reject_reason"]) == ("rejected", reason)
    listed = await client.get(f"/v1/contests/{contest_id}/orders", headers=learner.headers)
    assert [o["reject_reason"] for o in listed.json()["items"]] == [reason]
    assert (await portfolio(client, contest_id, learner))["cash"] == "1000000.00"


async def test_star_buys_start_at_200_then_go_in_ones_and_etfs_price_to_a_tenth_of_a_fen(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, learner: TestUser
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    assert (await place(client, contest_id, learner, order("buy", 201, STAR)))["status"] == (
        "filled"
    )
    etf = await place(client, contest_id, learner, order("buy", 100, ETF, limit_price="3.457"))
    assert (etf["status"], etf["avg_fill_price"], etf["limit_price"]) == (
        "filled",
        "3.456",
        "3.457",
    )


async def test_out_of_universe_switches_and_closed_markets_are_rejections(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    settings: Settings,
) -> None:
    star_only = await create_contest(client, marketer, clock.now(), universe={"boards": ["star"]})
    exchange = await create_contest(client, marketer, clock.now(), market_hours="exchange")
    cheap = await create_contest(client, marketer, clock.now(), rules={"min_price": "20"})
    soon = await create_contest(
        client, marketer, clock.now(), starts_at=(clock.now() + timedelta(days=1)).isoformat()
    )
    for contest_id in (star_only, exchange, cheap, soon):
        await join(client, contest_id, learner)

    async def reason(contest_id: str) -> str:
        placed = await place(client, contest_id, learner, order("buy", 100))
        return str(placed["reject_reason"])

    assert await reason(star_only) == "not_in_universe"
    assert await reason(cheap) == "min_price"
    assert await reason(soon) == "contest_not_running"
    assert (await place(client, exchange, learner, order("buy", 100)))["status"] == "filled"
    clock.set(datetime(2026, 3, 7, 2, 0, tzinfo=UTC))  # a Saturday
    learner = at(learner, settings, clock.now())
    assert await reason(exchange) == "market_closed"


async def test_shares_bought_today_sell_from_the_next_trading_day_across_a_holiday(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    settings: Settings,
) -> None:
    # Thursday 2026-04-30, 10:00 in Shanghai; May 1 to 5 are closed (Labour Day and weekend).
    clock.set(datetime(2026, 4, 30, 2, 0, tzinfo=UTC))
    marketer, learner = at(marketer, settings, clock.now()), at(learner, settings, clock.now())
    contest_id = await create_contest(client, marketer, clock.now(), market_hours="exchange")
    await join(client, contest_id, learner)
    await place(client, contest_id, learner, order("buy", 300))
    clock.set(datetime(2026, 4, 30, 6, 0, tzinfo=UTC))  # 14:00 the same day
    learner = at(learner, settings, clock.now())
    assert (await place(client, contest_id, learner, order("sell", 100)))["reject_reason"] == (
        "t_plus_one"
    )
    clock.set(datetime(2026, 5, 6, 1, 30, tzinfo=UTC))  # the next trading day opens
    learner = at(learner, settings, clock.now())
    assert (await portfolio(client, contest_id, learner))["positions"][0]["available"] == 300
    sold = await place(client, contest_id, learner, order("sell", 100))
    assert sold["status"] == "filled"
    # 1,000 sold: ¥5 commission, ¥0.50 stamp duty, ¥0.01 transfer fee.
    assert sold["fees"]["total"] == "5.51"


async def test_a_t_plus_zero_fund_sells_the_same_day(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, learner: TestUser
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    await place(client, contest_id, learner, order("buy", 100, GOLD))
    assert (await place(client, contest_id, learner, order("sell", 100, GOLD)))["status"] == (
        "filled"
    )
    book = await portfolio(client, contest_id, learner)
    assert book["positions"] == []


async def test_the_same_client_order_id_returns_the_same_order_and_another_body_is_409(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, learner: TestUser
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    body = order("buy", 100, client_order_id="app-1")
    url = f"/v1/contests/{contest_id}/orders"
    first = await client.post(url, json=body, headers=learner.headers)
    again = await client.post(url, json=body, headers=learner.headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = await client.post(url, json={**body, "quantity": 200}, headers=learner.headers)
    assert (other.status_code, other.json()["type"].split("/")[-1]) == (
        409,
        "client-order-id-reused",
    )
    assert (await portfolio(client, contest_id, learner))["positions"][0]["quantity"] == 100


async def test_an_order_placed_counts_once_as_a_practice_order_and_a_rejection_not_at_all(
    client: AsyncClient,
    db: AsyncSession,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    body = order("buy", 100, client_order_id="app-1")
    placed = await place(client, contest_id, learner, body)
    assert (await place(client, contest_id, learner, body))["id"] == placed["id"]  # replayed
    rejected = await place(client, contest_id, learner, order("buy", 150))
    assert rejected["status"] == "rejected"
    # Counted after the order's commit (the engagement outbox), at the latest when the learner
    # reads their quests.
    assert (await client.get("/v1/me/quests", headers=learner.headers)).status_code == 200
    seen = await db.execute(
        sa.text("SELECT reference FROM engagement_event_seen WHERE user_id = :u AND kind = :k"),
        {"u": learner.id, "k": "practice_order"},
    )
    assert seen.scalars().all() == [f"order:{placed['id']}"]
    counted = await db.scalar(
        sa.text("SELECT value FROM engagement_counter WHERE user_id = :u AND kind = :k"),
        {"u": learner.id, "k": "practice_order"},
    )
    assert counted == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -100}, "quantity"),
        ({"quantity": 100.5}, "quantity"),
        ({"quantity": "100"}, "quantity"),
        ({"quantity": 1_000_000_001}, "quantity"),
        ({"type": "limit"}, "limit_price"),
        ({"type": "limit", "limit_price": "abc"}, "limit_price"),
        ({"type": "limit", "limit_price": "-1"}, "limit_price"),
        ({"type": "limit", "limit_price": 0}, "limit_price"),
        ({"type": "limit", "limit_price": "Infinity"}, "limit_price"),
        ({"type": "limit", "limit_price": "10.0001"}, "limit_price"),
        ({"limit_price": "10.00"}, "limit_price"),
        ({"side": "short"}, "side"),
        ({"leverage": 10}, "leverage"),
        ({"client_order_id": ""}, "client_order_id"),
    ],
)
async def test_a_malformed_order_is_422_naming_the_field_and_writes_nothing(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    db: AsyncSession,
    changes: dict[str, object],
    field: str,
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    response = await client.post(
        f"/v1/contests/{contest_id}/orders",
        json={**order("buy", 100), **changes},
        headers=learner.headers,
    )
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    assert await db.scalar(sa.text("SELECT count(*) FROM contest_order")) == 0


async def test_orders_need_an_entry(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, learner: TestUser
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    for response in (
        await client.post(
            f"/v1/contests/{contest_id}/orders", json=order(), headers=learner.headers
        ),
        await client.get(f"/v1/contests/{contest_id}/portfolio", headers=learner.headers),
    ):
        assert response.status_code == 404
        assert response.json()["type"].endswith("/not-joined")


async def test_a_resting_limit_order_holds_its_cash_until_cancelled(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, learner: TestUser
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    resting = await place(client, contest_id, learner, order("buy", 1000, limit_price="9.50"))
    assert (resting["status"], resting["cash_held"]) == ("open", "9505.10")
    book = await portfolio(client, contest_id, learner)
    assert (book["cash"], book["cash_available"]) == ("1000000.00", "990494.90")
    url = f"/v1/contests/{contest_id}/orders/{resting['id']}"
    cancelled = await client.delete(url, headers=learner.headers)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert (await portfolio(client, contest_id, learner))["cash_available"] == "1000000.00"
    again = await client.delete(url, headers=learner.headers)
    assert (again.status_code, again.json()["type"].split("/")[-1]) == (409, "order-not-open")
    listed = await client.get(
        f"/v1/contests/{contest_id}/orders?status=cancelled", headers=learner.headers
    )
    assert [o["id"] for o in listed.json()["items"]] == [resting["id"]]


async def test_a_concentration_cap_limits_one_position(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, learner: TestUser
) -> None:
    contest_id = await create_contest(
        client, marketer, clock.now(), rules={"concentration_cap_pct": 10}
    )
    await join(client, contest_id, learner)
    assert (await place(client, contest_id, learner, order("buy", 9900)))["status"] == "filled"
    capped = await place(client, contest_id, learner, order("buy", 200))
    assert capped["reject_reason"] == "concentration_cap"


async def test_only_an_open_order_can_be_cancelled(
    client: AsyncClient, clock: FrozenClock, marketer: TestUser, learner: TestUser
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    filled = await place(client, contest_id, learner, order("buy", 100))
    rejected = await place(client, contest_id, learner, order("buy", 150))
    for done in (filled, rejected):
        url = f"/v1/contests/{contest_id}/orders/{done['id']}"
        response = await client.delete(url, headers=learner.headers)
        assert (response.status_code, response.json()["type"].split("/")[-1]) == (
            409,
            "order-not-open",
        )
    unknown = await client.delete(
        f"/v1/contests/{contest_id}/orders/{contest_id}", headers=learner.headers
    )
    assert unknown.status_code == 404
