"""Security headers on every response, OPTIONS telling the truth, and CORS exposing our headers."""

import re
import uuid

import pytest
from httpx import AsyncClient
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.settings import Settings
from core.clock import FrozenClock
from tests.factories import UserFactory
from tests.helpers import http_client

_PATH_PARAMETER = re.compile(r"\{(\w+):(\w+)\}")


def _concrete(path: str) -> str:
    examples = {"uuid": str(uuid.uuid4()), "int": "1"}
    return _PATH_PARAMETER.sub(lambda m: examples.get(m[2], "abc"), path)


async def test_options_lists_every_method_of_every_route(
    app: Litestar, client: AsyncClient
) -> None:
    wrong = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            response = await client.options(_concrete(route.path))
            expected = ", ".join(sorted(route.methods))
            if response.status_code != 204 or response.headers.get("allow") != expected:
                wrong[route.path] = (response.status_code, response.headers.get("allow"))
    assert not wrong, wrong


async def test_options_on_the_profile_lists_all_four_methods(client: AsyncClient) -> None:
    response = await client.options("/v1/me")
    assert response.headers["allow"] == "DELETE, GET, OPTIONS, PATCH"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health/live", 200),
        ("GET", "/v1/nowhere", 404),
        ("GET", "/v1/me", 401),
        ("DELETE", "/health/live", 405),
        ("POST", "/v1/auth/login", 422),
    ],
)
async def test_every_response_carries_the_security_headers(
    client: AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path, json={})
    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"


async def test_personal_data_and_tokens_are_never_cached(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    for path in ("/v1/me", "/v1/me/export", "/v1/me/wallet"):
        response = await client.get(path, headers=user.headers)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
    registered = await client.post(
        "/v1/auth/register",
        json={"email": "cache@example.com", "password": "a long pass phrase", "display_name": "C"},
    )
    assert registered.status_code == 201
    assert registered.headers["cache-control"] == "no-store"


async def test_cors_lets_browser_code_read_our_headers(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    with_cors = settings.model_copy(update={"cors_origins": ["https://app.example"]})
    app = create_app(with_cors, engine, sessionmaker=sessionmaker, clock=clock)
    async with http_client(app) as client:
        response = await client.get("/health/live", headers={"Origin": "https://app.example"})
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"retry-after", "idempotent-replayed", "x-request-id"} <= exposed
