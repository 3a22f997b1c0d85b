"""`/metrics`: behind METRICS_TOKEN when it is set, and business series counted only for work
that committed."""

import pytest
from httpx import AsyncClient
from litestar import Litestar
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.business_metrics import REGISTRATIONS, count_on_commit
from api.settings import Settings
from core.clock import FrozenClock
from tests.helpers import http_client

TOKEN = "scrape-me-if-you-can-0123456789"


def registrations() -> float:
    return REGISTRY.get_sample_value("investquest_registrations_total") or 0.0


@pytest.fixture
def guarded_app(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> Litestar:
    guarded = settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    return create_app(guarded, engine, sessionmaker=sessionmaker, clock=clock)


async def test_metrics_are_public_when_no_token_is_set(client: AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "investquest_registrations_total" in response.text


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token-of-some-length", f"Basic {TOKEN}", TOKEN]
)
async def test_with_a_token_set_anything_else_is_a_401_problem(
    guarded_app: Litestar, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with http_client(guarded_app) as client:
        response = await client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "investquest_" not in response.text


async def test_with_a_token_set_the_scraper_presenting_it_gets_the_metrics(
    guarded_app: Litestar,
) -> None:
    async with http_client(guarded_app) as client:
        response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert "investquest_quiz_attempts_total" in response.text


async def test_a_sign_up_is_counted_and_a_refused_one_is_not(client: AsyncClient) -> None:
    body = {"email": "counted@example.com", "password": "a long passphrase", "display_name": "C"}
    before = registrations()
    assert (await client.post("/v1/auth/register", json=body)).status_code == 201
    assert registrations() == before + 1
    assert (await client.post("/v1/auth/register", json=body)).status_code == 409
    assert registrations() == before + 1


async def test_counts_wait_for_the_commit_and_a_rollback_drops_them(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    before = registrations()
    async with sessionmaker() as db:
        async with db.begin():
            count_on_commit(db, REGISTRATIONS)
            assert registrations() == before  # not yet: the work is not committed
        assert registrations() == before + 1
        await db.begin()
        count_on_commit(db, REGISTRATIONS)
        await db.rollback()
        async with db.begin():
            pass  # a later commit in the same session does not revive the rolled-back count
    assert registrations() == before + 1


async def test_a_savepoint_rolled_back_inside_a_committed_transaction_counts_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    before = registrations()
    async with sessionmaker() as db, db.begin():
        try:
            async with db.begin_nested():
                count_on_commit(db, REGISTRATIONS, 5)
                raise RuntimeError("refused")
        except RuntimeError:
            pass
        async with db.begin_nested():
            count_on_commit(db, REGISTRATIONS, 2)
        assert registrations() == before  # the released savepoint waits for the outer commit
    assert registrations() == before + 2
