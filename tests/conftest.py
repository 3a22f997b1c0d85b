"""Test harness: a real PostgreSQL (TEST_DATABASE_URL, else the embedded one), schema from
`alembic upgrade head` once per run, and each test in an outer transaction that is rolled back.

Tests marked `@pytest.mark.committing` (concurrency tests) get the same fixtures committing for
real instead: `sessionmaker`, `db`, `app`, `client` and everything built on them; every table is
emptied afterwards.

The client is httpx's AsyncClient on an ASGI transport, in the test's own event loop. Litestar's
AsyncTestClient runs the app on a second event loop in a portal thread: requests sent with
`asyncio.gather` would be served one at a time there, and asyncpg connections would be used
from two loops.
"""

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx import AsyncClient
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import app_state, create_app
from api.database import create_engine, create_sessionmaker
from api.embedded_postgres import start_embedded_postgres
from api.settings import Settings
from core.clock import FrozenClock
from tests.databases import (
    REPO_ROOT,
    RunDatabases,
    admin_url,
    drop_abandoned_runs,
    drop_run_databases,
    empty_tables,
    migrated_database,
    recreate_database,
    run_databases,
    run_id_of,
)
from tests.factories import UserFactory, user_factory_for
from tests.helpers import Publish, http_client, publisher


@pytest.fixture(scope="session")
def run_names(pytestconfig: pytest.Config) -> tuple[RunDatabases, str]:
    """This run's database names and its id (shared by the workers of a pytest-xdist run)."""
    run_id = run_id_of(pytestconfig)
    return run_databases(run_id), run_id


@pytest.fixture(scope="session")
def database_url(run_names: tuple[RunDatabases, str]) -> Iterator[str]:
    """This process's database (one per pytest-xdist worker), migrated once per run; dropped
    at the end when it is named after the run (`RunDatabases`), as are those of earlier runs
    killed before their end (`drop_abandoned_runs`)."""
    names, run_id = run_names
    server_url = os.environ.get("TEST_DATABASE_URL") or start_embedded_postgres(
        REPO_ROOT / ".investquest" / "test", database="postgres"
    )
    if names.per_run:
        drop_abandoned_runs(server_url, names)
    yield migrated_database(server_url, names, run_id)
    if names.per_run:
        drop_run_databases(server_url, names)


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
async def sessionmaker(
    request: pytest.FixtureRequest, engine: AsyncEngine
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions inside the test's outer transaction: their commits are savepoint releases.
    Under `@pytest.mark.committing`, real commits, and every table is emptied afterwards."""
    if request.node.get_closest_marker("committing"):
        yield create_sessionmaker(engine)
        await empty_tables(engine)
        return
    async with engine.connect() as conn:
        outer = await conn.begin()
        yield async_sessionmaker(
            bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        await outer.rollback()


@pytest.fixture
async def db(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture(scope="session")
def shared_app(settings: Settings, engine: AsyncEngine) -> Litestar:
    """One app per process: building its route table costs about 0.3 s of CPU, which every
    test paid when each built its own. Each test gets it with a state of its own (`app`)."""
    return create_app(settings, engine)


@pytest.fixture
def app(
    shared_app: Litestar,
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> Litestar:
    """The app with this test's session maker, clock, caches and rule book, as `create_app`
    would make them."""
    shared_app.state = app_state(settings, engine, sessionmaker=sessionmaker, clock=clock)
    return shared_app


@pytest.fixture
def own_app(
    request: pytest.FixtureRequest,
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> Litestar:
    """An app of the test's own, for tests that add routes to it. Under
    `@pytest.mark.committing` its autocommit routes (`api.autocommit_routes`) run as they do in
    production, each statement committing on its own; otherwise in the test's transaction."""
    autocommit = None
    if request.node.get_closest_marker("committing"):
        autocommit = create_sessionmaker(engine, autocommit=True)
    return create_app(
        settings, engine, sessionmaker=sessionmaker, autocommit_sessionmaker=autocommit, clock=clock
    )


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncClient]:
    async with http_client(app) as client:
        yield client


@pytest.fixture
def publish(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Publish:
    """`await publish(bundle_doc(...))`: import and publish a bundle; lesson ids by slug."""
    return publisher(sessionmaker, clock)


@pytest.fixture
def scratch_database(database_url: str, run_names: tuple[RunDatabases, str]) -> str:
    """An empty database of its own, for tests that migrate up and down."""
    return recreate_database(admin_url(database_url), run_names[0].scratch)


@pytest.fixture
def embedded_data_dir() -> Iterator[Path]:
    """A data folder for an embedded PostgreSQL of the test's own, outside pytest's temporary
    root: run as root, the server runs as the `pgserver` user, and every pytest session that
    starts (another checkout's, on a shared machine) makes that root private to its owner
    again, which would lock the server out of a folder in `tmp_path`."""
    path = Path(tempfile.mkdtemp(prefix="investquest-test-pg-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def user_factory(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, clock: FrozenClock
) -> UserFactory:
    """`await user_factory(roles=..., risk_profile=...)`: a user with a session and token."""
    return user_factory_for(sessionmaker, settings, clock)


@pytest.fixture
def cli_env(scratch_database: str, tmp_path: Path) -> dict[str, str]:
    """The environment for running `investquest` commands against the scratch database, with
    their data folder (and its development signing key) kept out of the repository."""
    return {**os.environ, "DATABASE_URL": scratch_database, "INVESTQUEST_DATA_DIR": str(tmp_path)}
