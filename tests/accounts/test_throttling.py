"""Abuse throttles: sign-ups per address, logins per (account, address) with an account-wide
ceiling, and wrong current passwords on a password change."""

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from httpx import ASGITransport, AsyncClient, Response
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.accounts.models import UserAccount
from api.app import create_app
from api.settings import Settings
from core.clock import FrozenClock
from tests.factories import PASSWORD, UserFactory

ADDRESS_A = "198.51.100.10"
ADDRESS_B = "203.0.113.20"

ClientAt = Callable[[str], AsyncClient]


def client_at(app: Litestar) -> ClientAt:
    """A client whose requests come from `address`, as the throttles see it."""

    def make(address: str) -> AsyncClient:
        transport = ASGITransport(app=app, client=(address, 40000))  # type: ignore[arg-type]
        return AsyncClient(transport=transport, base_url="http://testserver")

    return make


def clients_with(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    **overrides: object,
) -> ClientAt:
    """`client_at` for an app whose settings differ from the defaults by `overrides`."""
    changed = settings.model_copy(update=overrides)
    return client_at(create_app(changed, engine, sessionmaker=sessionmaker, clock=clock))


async def sign_up(client: AsyncClient, number: int) -> Response:
    body = {
        "email": f"new{number}@example.com",
        "password": "a long passphrase",
        "display_name": "N",
    }
    return await client.post("/v1/auth/register", json=body)


def assert_rate_limited(response: Response, *, at_most_seconds: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/rate-limited")
    assert 0 < int(response.headers["retry-after"]) <= at_most_seconds + 1


@pytest.mark.committing
async def test_forty_simultaneous_signups_from_one_address_let_exactly_the_limit_through(
    app: Litestar,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    limit = settings.register_per_address_per_hour
    assert limit == 20
    async with client_at(app)(ADDRESS_A) as client:
        responses = await asyncio.gather(*(sign_up(client, n) for n in range(40)))
    assert sorted(r.status_code for r in responses) == [201] * limit + [429] * (40 - limit)
    for refused in (r for r in responses if r.status_code == 429):
        assert_rate_limited(refused, at_most_seconds=3600)
    async with sessionmaker() as db:
        accounts = await db.scalar(sa.select(sa.func.count()).select_from(UserAccount))
    assert accounts == limit


async def test_signups_are_counted_per_address_per_hour(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    client_from = clients_with(
        settings, engine, sessionmaker, clock, register_per_address_per_hour=2
    )
    async with client_from(ADDRESS_A) as a, client_from(ADDRESS_B) as b:
        assert [(await sign_up(a, n)).status_code for n in range(2)] == [201, 201]
        clock.advance(timedelta(minutes=20))
        assert_rate_limited(await sign_up(a, 2), at_most_seconds=40 * 60)
        assert (await sign_up(b, 3)).status_code == 201
        clock.advance(timedelta(minutes=41))
        assert (await sign_up(a, 4)).status_code == 201


async def test_a_refused_signup_does_not_use_up_the_address_allowance(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    client_from = clients_with(
        settings, engine, sessionmaker, clock, register_per_address_per_hour=1
    )
    async with client_from(ADDRESS_A) as client:
        weak = {"email": "weak@example.com", "password": "password", "display_name": "W"}
        assert (await client.post("/v1/auth/register", json=weak)).status_code == 422
        assert (await sign_up(client, 1)).status_code == 201
        assert (await sign_up(client, 2)).status_code == 429


async def login(client: AsyncClient, email: str, password: str) -> int:
    response = await client.post("/v1/auth/login", json={"email": email, "password": password})
    return response.status_code


async def test_failures_from_one_address_do_not_lock_the_owner_out_from_another(
    app: Litestar, user_factory: UserFactory
) -> None:
    user = await user_factory()
    client_from = client_at(app)
    async with client_from(ADDRESS_A) as a, client_from(ADDRESS_B) as b:
        assert [await login(a, user.email, "wrong pass") for _ in range(5)] == [401] * 5
        assert await login(b, user.email, PASSWORD) == 200
        # The owner's good login elsewhere does not reset the guesser's count.
        assert await login(a, user.email, PASSWORD) == 429


async def test_failures_from_many_addresses_hit_the_hourly_account_ceiling(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    user_factory: UserFactory,
) -> None:
    user = await user_factory()
    client_from = clients_with(
        settings, engine, sessionmaker, clock, login_failures_per_account_per_hour=8
    )
    for number in range(8):
        async with client_from(f"192.0.2.{number}") as guesser:
            assert await login(guesser, user.email, "wrong pass") == 401
        clock.advance(timedelta(minutes=5))
    async with client_from(ADDRESS_B) as owner:
        response = await owner.post(
            "/v1/auth/login", json={"email": user.email, "password": PASSWORD}
        )
        assert_rate_limited(response, at_most_seconds=60 * 60 - 40 * 60)
        clock.advance(timedelta(minutes=21))
        assert await login(owner, user.email, PASSWORD) == 200


def test_the_account_ceiling_defaults_to_100_an_hour(settings: Settings) -> None:
    assert settings.login_failures_per_account_per_hour == 100


async def change_password(client: AsyncClient, headers: dict[str, str], current: str) -> Response:
    body = {"current_password": current, "new_password": "a brand new phrase"}
    return await client.post("/v1/me/password", json=body, headers=headers)


async def test_wrong_current_passwords_throttle_password_changes(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    for _ in range(5):
        wrong = await change_password(client, user.headers, "a wrong guess")
        assert wrong.status_code == 422
        assert [e["field"] for e in wrong.json()["errors"]] == ["current_password"]
    assert_rate_limited(
        await change_password(client, user.headers, PASSWORD), at_most_seconds=15 * 60
    )
    clock.advance(timedelta(minutes=16))
    fresh = await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert (await change_password(client, headers, PASSWORD)).status_code == 204
