"""Readiness follows the database and the schema; liveness only the process."""

from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.database import create_engine
from api.settings import Settings
from tests.helpers import serve_in_loop


async def test_ready_when_database_is_at_head(client: AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.fixture
async def unreachable_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine("postgresql://nobody@127.0.0.1:1/none", settings)
    yield engine
    await engine.dispose()


async def test_ready_is_503_when_the_database_is_down(
    settings: Settings, unreachable_engine: AsyncEngine
) -> None:
    app = create_app(settings, unreachable_engine)
    async with serve_in_loop(app) as client:
        ready = await client.get("/health/ready")
        live = await client.get("/health/live")
    assert ready.status_code == 503
    assert ready.headers["content-type"].startswith("application/problem+json")
    assert live.status_code == 200


async def test_ready_is_503_when_migrations_are_behind(
    settings: Settings, scratch_database: str
) -> None:
    engine = create_engine(scratch_database, settings)
    try:
        async with serve_in_loop(create_app(settings, engine)) as client:
            response = await client.get("/health/ready", headers={"Accept-Language": "en"})
    finally:
        await engine.dispose()
    assert response.status_code == 503
    assert "head" in response.json()["detail"]


async def test_metrics_count_requests_by_route(app: Litestar) -> None:
    async with serve_in_loop(app) as client:
        await client.get("/health/live")
        metrics = (await client.get("/metrics")).text
    assert 'path="/health/live"' in metrics
    assert "investquest_db_pool_in_use" in metrics


async def test_openapi_document_is_served(client: AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert "503" in document["paths"]["/health/ready"]["get"]["responses"]
