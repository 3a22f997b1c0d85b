"""The bench's counting proxy (tests/benchmarks/wire.py) counts what a client waits for: one
round trip per BEGIN, statement, COMMIT and first prepare, and one for a pipelined batch."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from api.database import asyncpg_url
from tests.benchmarks.wire import WireCounts, WireProxy, wire_proxy


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[tuple[WireProxy, str]]:
    with wire_proxy(database_url) as running:
        yield running


async def test_a_transaction_of_one_select_is_three_round_trips(
    proxy: tuple[WireProxy, str],
) -> None:
    counter, url = proxy
    engine = create_async_engine(asyncpg_url(url))  # no pre-ping: only what we ask
    try:
        for number in range(3):  # the first prepares the statement, the others reuse it
            async with engine.begin() as conn:
                await conn.execute(sa.text("SELECT CAST(:n AS integer)"), {"n": number})
            await asyncio.sleep(0.05)  # let the proxy read the last answer
            counts = counter.take()
    finally:
        await engine.dispose()
    assert counts == WireCounts(round_trips=3, statements=3, prepares=0)


async def test_a_pipelined_batch_is_one_round_trip(proxy: tuple[WireProxy, str]) -> None:
    counter, url = proxy
    conn = await asyncpg.connect(asyncpg_url(url).replace("+asyncpg", ""))
    try:
        await conn.execute("CREATE TEMP TABLE wire_item (n integer)")
        await conn.executemany("INSERT INTO wire_item VALUES ($1)", [(1,), (2,), (3,)])
        await asyncio.sleep(0.05)
        counter.take()
        await conn.executemany("INSERT INTO wire_item VALUES ($1)", [(4,), (5,), (6,)])
        await asyncio.sleep(0.05)
        counts = counter.take()
    finally:
        await conn.close()
    assert counts == WireCounts(round_trips=1, statements=3, prepares=0)
