"""The feed waits for the database once per page: one prebuilt statement sent straight to the
driver (no BEGIN or COMMIT around it), the token check cached. Counted at the wire
(tests/benchmarks/wire.py) on an app built as `serve` builds it."""

import asyncio

import pytest
from httpx import AsyncClient

from tests.benchmarks.wire import WireCounts, WireProxy
from tests.community.helpers import community, member, write
from tests.factories import TestUser, UserFactory
from tests.foundation.test_read_round_trips import SETTLE_SECONDS, counted

__all__ = ["community", "counted"]  # fixtures used by name
pytestmark = [pytest.mark.committing, pytest.mark.usefixtures("community")]


async def _counted(proxy: WireProxy, client: AsyncClient, path: str, user: TestUser) -> WireCounts:
    for _ in range(2):  # the first prepares the statement and fills the caller cache
        assert (await client.get(path, headers=user.headers)).status_code == 200
    await asyncio.sleep(SETTLE_SECONDS)
    proxy.take()
    answer = await client.get(path, headers=user.headers)
    assert answer.status_code == 200
    assert answer.json()["items"]
    await asyncio.sleep(SETTLE_SECONDS)
    return proxy.take()


async def test_a_feed_page_is_one_round_trip(
    counted: tuple[WireProxy, AsyncClient], user_factory: UserFactory
) -> None:
    proxy, client = counted
    author, reader = await member(user_factory), await member(user_factory)
    for _ in range(3):
        assert (await write(client, author, "今天学了止损", tags=["etf"])).status_code == 201
    first = await client.get("/v1/posts?limit=2", headers=reader.headers)
    cursor = first.json()["next_cursor"]
    for path in ("/v1/posts", f"/v1/posts?limit=2&cursor={cursor}", "/v1/posts?tag=etf"):
        counts = await _counted(proxy, client, path, reader)
        assert counts == WireCounts(round_trips=1, statements=1, prepares=0), path
