"""Bare Litestar apps the real one is measured against, served by uvicorn like it is:

- `json_app` (B-json): GET /json returns a small dict: the cost of HTTP and JSON alone.
- `db_app` (B-db): GET /item reads one row by primary key from an asyncpg pool (DATABASE_URL):
  the cost of one database round trip, without SQLAlchemy, sessions or transactions.
  GET /page (B-db-page) reads a page of 20 rows in key order, from a random place, by the
  primary-key index: the raw 20-row page a course page is compared with.
"""

import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from litestar import Litestar, get
from litestar.datastructures import State

from tests.benchmarks.database import ITEM_COUNT
from tests.databases import asyncpg_dsn

POOL_SIZE = 10  # fixed, fewer than wrk's connections: requests wait for one, as the app's do
ITEM_IDS = random.Random(0).sample(range(1, ITEM_COUNT + 1), 1_000)
PAGE_SIZE = 20
PAGE_STARTS = random.Random(1).sample(range(1, ITEM_COUNT - PAGE_SIZE + 2), 1_000)


@get("/json")
async def json_endpoint() -> dict[str, str]:
    return {"status": "ok"}


@get("/item")
async def item_endpoint(state: State) -> dict[str, object]:
    pool: asyncpg.Pool[asyncpg.Record] = state.pool
    row = await pool.fetchrow(
        "SELECT id, name, price_cents FROM bench_item WHERE id = $1", random.choice(ITEM_IDS)
    )
    assert row is not None
    return dict(row.items())


@get("/page")
async def page_endpoint(state: State) -> list[dict[str, object]]:
    pool: asyncpg.Pool[asyncpg.Record] = state.pool
    rows = await pool.fetch(
        "SELECT id, name, price_cents FROM bench_item WHERE id >= $1 ORDER BY id LIMIT $2",
        random.choice(PAGE_STARTS),
        PAGE_SIZE,
    )
    assert len(rows) == PAGE_SIZE
    return [dict(row.items()) for row in rows]


@asynccontextmanager
async def _pool(app: Litestar) -> AsyncIterator[None]:
    dsn = asyncpg_dsn(os.environ["DATABASE_URL"])
    async with asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE) as pool:
        app.state.pool = pool
        yield


json_app = Litestar(route_handlers=[json_endpoint], openapi_config=None, logging_config=None)
db_app = Litestar(
    route_handlers=[item_endpoint, page_endpoint],
    lifespan=[_pool],
    openapi_config=None,
    logging_config=None,
)
