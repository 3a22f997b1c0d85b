"""The bench's PostgreSQL: which server to use, and a fresh, migrated `investquest_bench` (or
BENCH_DATABASE_NAME) on it with the small table the B-db baseline reads."""

import os
from pathlib import Path

import asyncpg

from api.database import run_in_own_loop
from api.embedded_postgres import start_embedded_postgres
from api.migrations import upgrade
from tests.databases import asyncpg_dsn, recreate_database

# Benches sharing one server (several checkouts) pick their own names.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE_NAME", "investquest_bench")
LOCAL_SERVER_URL = "postgresql://root@127.0.0.1:5432/postgres"
EMBEDDED_DATA_DIR = Path(__file__).resolve().parents[2] / ".investquest" / "bench"
CONNECT_TIMEOUT_SECONDS = 2.0
ITEM_COUNT = 10_000


def choose_server() -> tuple[str, str]:
    """(where it came from, server URL): BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the
    local server if it answers, else the embedded one (which stops when this process exits)."""
    for variable in ("BENCH_DATABASE_URL", "TEST_DATABASE_URL"):
        if url := os.environ.get(variable):
            return variable, url
    if run_in_own_loop(lambda: _answers(LOCAL_SERVER_URL)):
        return "local 127.0.0.1:5432", LOCAL_SERVER_URL
    return "embedded", start_embedded_postgres(EMBEDDED_DATA_DIR, database="postgres")


def prepare_database(server_url: str) -> str:
    """Recreate the bench database, migrate it to head and fill the item table; return its URL."""
    url = recreate_database(server_url, BENCH_DATABASE)
    upgrade(url)
    run_in_own_loop(lambda: _create_items(url))
    return url


def server_version(url: str) -> str:
    async def fetch() -> str:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()

    return run_in_own_loop(fetch)


async def _answers(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def _create_items(url: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "CREATE TABLE bench_item ("
            "id integer PRIMARY KEY, name text NOT NULL, price_cents integer NOT NULL)"
        )
        await conn.execute(
            "INSERT INTO bench_item (id, name, price_cents) "
            "SELECT n, 'item ' || n, n * 37 % 10000 FROM generate_series(1, $1::integer) AS n",
            ITEM_COUNT,
        )
        await conn.execute("ANALYZE bench_item")
    finally:
        await conn.close()
