"""An authenticated read waits for the database as few times as it can: no pre-ping, no BEGIN
and COMMIT around reads, the token check (and for `GET /v1/me` the consents) cached. Counted at the wire (tests/benchmarks/wire.py)
on an app built as `serve` builds it; a connection the server closed is replaced for free."""

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.accounts.caller_changes import listening
from api.accounts.session_cache import SessionCache
from api.app import create_app
from api.database import create_engine, create_sessionmaker
from api.settings import Settings
from core.clock import FrozenClock
from tests.benchmarks.wire import WireCounts, WireProxy, wire_proxy
from tests.factories import UserFactory
from tests.helpers import Publish, bundle_doc, http_client, serve_in_loop
from tests.waiting import eventually

pytestmark = pytest.mark.committing

SETTLE_SECONDS = 0.05  # for the proxy to read the last answer
LISTENER_SECONDS = 5


def served_app(url: str, settings: Settings, clock: FrozenClock) -> tuple[Litestar, AsyncEngine]:
    engine = create_engine(url, settings, serves_requests=True)
    app = create_app(
        settings,
        engine,
        sessionmaker=create_sessionmaker(engine),
        autocommit_sessionmaker=create_sessionmaker(engine, autocommit=True),
        clock=clock,
    )
    return app, engine


@pytest.fixture
async def counted(
    database_url: str,
    settings: Settings,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[tuple[WireProxy, AsyncClient]]:
    with wire_proxy(database_url) as (proxy, url):
        app, engine = served_app(url, settings, clock)
        try:
            cache: SessionCache = app.state.session_cache
            async with listening(engine.url, cache), http_client(app) as client:
                await eventually(lambda: cache.trusted, within=LISTENER_SECONDS)
                yield proxy, client
        finally:
            await engine.dispose()


async def _counted_get(
    proxy: WireProxy, client: AsyncClient, path: str, user: object
) -> WireCounts:
    headers = user.headers  # type: ignore[attr-defined]
    for _ in range(2):  # the first prepares the statements and fills the cache
        assert (await client.get(path, headers=headers)).status_code == 200
    await asyncio.sleep(SETTLE_SECONDS)
    proxy.take()
    assert (await client.get(path, headers=headers)).status_code == 200
    await asyncio.sleep(SETTLE_SECONDS)
    return proxy.take()


async def test_me_once_cached_is_no_round_trip(
    counted: tuple[WireProxy, AsyncClient], user_factory: UserFactory
) -> None:
    proxy, client = counted
    user = await user_factory()
    counts = await _counted_get(proxy, client, "/v1/me", user)
    assert counts.round_trips == 0  # the caller and their consents are cached


async def test_a_course_page_is_one_round_trip(
    counted: tuple[WireProxy, AsyncClient], user_factory: UserFactory, publish: Publish
) -> None:
    proxy, client = counted
    await publish(bundle_doc())
    user = await user_factory()
    slug = (await client.get("/v1/courses", headers=user.headers)).json()["items"][0]["slug"]
    counts = await _counted_get(proxy, client, f"/v1/courses/{slug}", user)
    assert counts.round_trips == 1  # the course with its lessons and progress; no BEGIN/COMMIT


async def test_a_course_page_locked_by_a_prerequisite_is_one_round_trip(
    counted: tuple[WireProxy, AsyncClient], user_factory: UserFactory, publish: Publish
) -> None:
    proxy, client = counted
    await publish(bundle_doc("basics"))
    await publish(bundle_doc("funds", prerequisites=["basics"]))
    user = await user_factory(locale="en")
    counts = await _counted_get(proxy, client, "/v1/courses/funds", user)
    assert counts.round_trips == 1  # the lock message's titles come with the page


async def test_opening_a_lesson_for_the_first_time_is_one_round_trip(
    counted: tuple[WireProxy, AsyncClient], user_factory: UserFactory, publish: Publish
) -> None:
    proxy, client = counted
    lessons = await publish(bundle_doc())
    user = await user_factory()
    for _ in range(2):  # the first prepares the statement and fills the cache
        opened = await client.get(f"/v1/lessons/{lessons['lesson-0']}", headers=user.headers)
        assert opened.status_code == 200
    await asyncio.sleep(SETTLE_SECONDS)
    proxy.take()
    first = await client.get(f"/v1/lessons/{lessons['lesson-1']}", headers=user.headers)
    await asyncio.sleep(SETTLE_SECONDS)
    assert first.json()["opened_at"] is not None
    assert proxy.take().round_trips == 1  # the lesson read with its clock's upsert


async def test_a_pooled_connection_the_server_closed_is_replaced_without_an_error(
    database_url: str,
    settings: Settings,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
) -> None:
    user = await user_factory()
    app, engine = served_app(database_url, settings, clock)
    try:
        async with serve_in_loop(app) as client:
            assert (await client.get("/v1/me", headers=user.headers)).status_code == 200
            async with engine.connect() as conn:  # the one pooled connection
                pid = await conn.scalar(sa.text("SELECT pg_backend_pid()"))
            async with sessionmaker.begin() as db:
                await db.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await asyncio.sleep(0.1)  # asyncpg reads the server's goodbye
            assert (await client.get("/v1/me", headers=user.headers)).status_code == 200
    finally:
        await engine.dispose()
