"""Test harness: a real PostgreSQL (TEST_DATABASE_URL, else the embedded one), schema from
`alembic upgrade head` once per run, and each test in an outer transaction that is rolled back.

Concurrency tests use `committing_*` fixtures instead: real commits, tables emptied afterwards.

The client is httpx's AsyncClient on an ASGI transport, in the test's own event loop. Litestar's
AsyncTestClient runs the app on a second event loop in a portal thread: requests sent with
`asyncio.gather` would be served one at a time there, and asyncpg connections would be used
from two loops.
"""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.database import create_engine, create_sessionmaker, run_in_own_loop
from api.embedded_postgres import start_embedded_postgres
from api.migrations import upgrade
from api.settings import Settings
from core.clock import FrozenClock
from gamification.ledger.accounts import SYSTEM_ACCOUNTS
from tests.databases import admin_url, recreate_database
from tests.factories import UserFactory, user_factory_for

REPO_ROOT = Path(__file__).resolve().parent.parent
# Runs sharing one server (several checkouts, CI beside a developer) pick their own names.
TEST_DATABASE = os.environ.get("TEST_DATABASE_NAME", "investquest_test")


def http_client(app: Litestar) -> AsyncClient:
    """Talk to the app over ASGI in the current event loop (its lifespan is not run)."""
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver")  # type: ignore[arg-type]


@asynccontextmanager
async def serve_in_loop(app: Litestar) -> AsyncIterator[AsyncClient]:
    """Like `http_client`, with the app's lifespan (metrics collectors, scheduler) running.
    Use it inside a test body: the lifespan must end in the task that started it."""
    async with app.lifespan(), http_client(app) as client:
        yield client


@pytest.fixture(scope="session")
def database_url() -> str:
    server_url = os.environ.get("TEST_DATABASE_URL") or start_embedded_postgres(
        REPO_ROOT / ".investquest" / "test", database="postgres"
    )
    url = recreate_database(server_url, TEST_DATABASE)
    run_in_own_loop(lambda: asyncio.to_thread(upgrade, url))
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url, environment="development")


@pytest.fixture(scope="session")
async def engine(settings: Settings, database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, settings)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 2, 1, 30, tzinfo=UTC))


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        outer = await conn.begin()
        yield conn
        await outer.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions inside the test's outer transaction: their commits are savepoint releases."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def db(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
def app(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> Litestar:
    return create_app(settings, engine, sessionmaker=sessionmaker, clock=clock)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncClient]:
    async with http_client(app) as client:
        yield client


@pytest.fixture
async def committing_sessionmaker(
    engine: AsyncEngine,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Real commits, for concurrency tests; every table is emptied afterwards."""
    yield create_sessionmaker(engine)
    async with engine.begin() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
        ).scalar_one()
        await conn.execute(text("SET session_replication_role = replica"))  # skip user triggers
        await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
        await conn.execute(text("SET session_replication_role = DEFAULT"))
        await restore_reference_rows(conn)


async def restore_reference_rows(conn: AsyncConnection) -> None:
    """Rows the migrations create and the app relies on: the ledger's system accounts."""
    for (kind, currency), account_id in SYSTEM_ACCOUNTS.items():
        await conn.execute(
            text(
                "INSERT INTO ledger_account (id, kind, currency, balance, created_at) "
                "VALUES (:id, :kind, :currency, 0, now())"
            ),
            {"id": account_id, "kind": kind.value, "currency": currency.value},
        )


@pytest.fixture
def committing_app(
    settings: Settings,
    engine: AsyncEngine,
    committing_sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> Litestar:
    return create_app(settings, engine, sessionmaker=committing_sessionmaker, clock=clock)


@pytest.fixture
async def committing_client(committing_app: Litestar) -> AsyncIterator[AsyncClient]:
    async with http_client(committing_app) as client:
        yield client


@pytest.fixture
def scratch_database(database_url: str) -> str:
    """An empty database of its own, for tests that migrate up and down."""
    return recreate_database(admin_url(database_url), f"{TEST_DATABASE}_scratch")


@pytest.fixture
def user_factory(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, clock: FrozenClock
) -> UserFactory:
    """`await user_factory(roles=..., risk_profile=...)`: a user with a session and token."""
    return user_factory_for(sessionmaker, settings, clock)


@pytest.fixture
def committing_user_factory(
    committing_sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FrozenClock,
) -> UserFactory:
    return user_factory_for(committing_sessionmaker, settings, clock)


@pytest.fixture
def cli_env(scratch_database: str, tmp_path: Path) -> dict[str, str]:
    """The environment for running `investquest` commands against the scratch database, with
    their data folder (and its development signing key) kept out of the repository."""
    return {**os.environ, "DATABASE_URL": scratch_database, "INVESTQUEST_DATA_DIR": str(tmp_path)}
