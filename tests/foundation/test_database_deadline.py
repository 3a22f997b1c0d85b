"""The requests' database deadline: what it cuts, what it leaves alone, and what a refused
connection answers. (A frozen server is in test_database_outage.py.)"""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.accounts.tokens import issue_access_token
from api.app import create_app
from api.database import create_engine
from api.database_outage import DatabaseUnavailable, is_outage
from api.settings import Settings
from core.clock import FrozenClock
from tests.helpers import http_client

DEADLINE_SECONDS = 0.3
SLOWER_THAN_THE_DEADLINE = "SELECT pg_sleep(0.6)"


@pytest.fixture
def short_deadline(settings: Settings) -> Settings:
    return settings.model_copy(update={"db_unavailable_timeout_seconds": DEADLINE_SECONDS})


@pytest.fixture
async def request_engine(database_url: str, short_deadline: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, short_deadline, serves_requests=True)
    yield engine
    await engine.dispose()


async def test_a_statement_past_the_deadline_is_database_unavailable(
    request_engine: AsyncEngine,
) -> None:
    async with request_engine.connect() as conn:
        with pytest.raises(DatabaseUnavailable):
            await conn.execute(text(SLOWER_THAN_THE_DEADLINE))
    async with request_engine.connect() as conn:  # the timed-out connection was replaced
        assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1


async def test_jobs_and_commands_are_not_cut_by_the_requests_deadline(
    database_url: str, short_deadline: Settings
) -> None:
    engine = create_engine(database_url, short_deadline)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(SLOWER_THAN_THE_DEADLINE))
    finally:
        await engine.dispose()


async def test_a_database_refusing_connections_answers_503_with_retry_after(
    short_deadline: Settings, clock: FrozenClock
) -> None:
    engine = create_engine(
        "postgresql://nobody@127.0.0.1:1/none", short_deadline, serves_requests=True
    )
    token = issue_access_token(
        short_deadline.secret_key.get_secret_value(),
        user_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        now=clock.now(),
        lifetime=timedelta(minutes=5),
    )
    try:
        app = create_app(short_deadline, engine, clock=clock)
        async with http_client(app) as client:
            response = await client.get(
                "/v1/me/wallet", headers={"Authorization": f"Bearer {token}"}
            )
    finally:
        await engine.dispose()
    assert response.status_code == 503
    assert response.json()["type"].endswith("/database-unavailable")
    assert response.headers["retry-after"]


def test_a_full_server_is_an_outage_not_a_bug() -> None:
    class TooManyConnections(Exception):
        sqlstate = "53300"  # what asyncpg raises when max_connections is reached

    assert is_outage(TooManyConnections())
    assert not is_outage(type("UniqueViolation", (Exception,), {"sqlstate": "23505"})())
