"""A league week's close and an account's erasure take turns (`gamification/leagues/turns.py`):
an erasure waits for a close under way, then refuses with a 409 and erases nothing; a close
waits for erasures under way; erasures never wait for each other."""

from collections.abc import AsyncIterator

import asyncpg
import pytest
from httpx import AsyncClient

from gamification.leagues.turns import TURN_LOCK_KEY
from tests.factories import UserFactory

CLOSE_TURN = f"SELECT pg_advisory_xact_lock({TURN_LOCK_KEY})"
TRY_CLOSE_TURN = f"SELECT pg_try_advisory_xact_lock({TURN_LOCK_KEY})"
TRY_ERASURE_TURN = f"SELECT pg_try_advisory_xact_lock_shared({TURN_LOCK_KEY})"


@pytest.fixture
async def connections(database_url: str) -> AsyncIterator[list[asyncpg.Connection]]:
    opened = [await asyncpg.connect(database_url.replace("+asyncpg", "")) for _ in range(3)]
    yield opened
    for conn in opened:
        await conn.close()


async def test_an_erasure_during_a_close_is_refused_and_erases_nothing(
    client: AsyncClient, user_factory: UserFactory, connections: list[asyncpg.Connection]
) -> None:
    user = await user_factory()
    closing = connections[0]
    async with closing.transaction():
        await closing.execute(CLOSE_TURN)
        answer = await client.delete("/v1/me", headers=user.headers)
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/league-week-closing")
    assert answer.headers["retry-after"] == "60"
    assert (await client.get("/v1/me", headers=user.headers)).status_code == 200
    assert (await client.delete("/v1/me", headers=user.headers)).status_code == 204


async def test_a_close_waits_for_erasures_which_share_their_turn(
    connections: list[asyncpg.Connection],
) -> None:
    first, second, closing = connections
    async with first.transaction(), second.transaction():
        assert await first.fetchval(TRY_ERASURE_TURN) is True
        assert await second.fetchval(TRY_ERASURE_TURN) is True
        async with closing.transaction():
            assert await closing.fetchval(TRY_CLOSE_TURN) is False
    async with closing.transaction():
        assert await closing.fetchval(TRY_CLOSE_TURN) is True
