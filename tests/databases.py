"""Creating, dropping and emptying whole test databases on the test server."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api.database import asyncpg_url, run_in_own_loop
from gamification.ledger.accounts import SYSTEM_ACCOUNTS

REPO_ROOT = Path(__file__).resolve().parent.parent
# Runs sharing one server (several checkouts, CI beside a developer) pick their own names.
TEST_DATABASE = os.environ.get("TEST_DATABASE_NAME", "investquest_test")


def with_database(url: str, database: str) -> str:
    parts = urlsplit(asyncpg_url(url))
    return urlunsplit(parts._replace(path=f"/{database}"))


def admin_url(url: str) -> str:
    return with_database(url, "postgres")


def _plain(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


def recreate_database(server_url: str, database: str) -> str:
    """Drop `database` if it exists and create it empty; return its SQLAlchemy URL."""

    async def run() -> None:
        conn = await asyncpg.connect(_plain(admin_url(server_url)))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()

    run_in_own_loop(run)
    return with_database(server_url, database)


# Truncating every table costs about 0.3 s a test once the partitioned tables (activity events,
# standings) bring 150 relations: only the tables a test wrote to are truncated (with CASCADE,
# those referencing them too), found by one cheap EXISTS per table, all in one round trip.
_TRUNCATE_WRITTEN = """
DO $$
DECLARE
    r record;
    written text;
    has_rows boolean;
BEGIN
    FOR r IN SELECT c.oid::regclass AS rel
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'alembic_version'
    LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', r.rel) INTO has_rows;
        IF has_rows THEN
            written := concat_ws(', ', written, r.rel::text);
        END IF;
    END LOOP;
    IF written IS NOT NULL THEN
        EXECUTE 'TRUNCATE ' || written || ' CASCADE';
    END IF;
END $$
"""


async def empty_tables(engine: AsyncEngine) -> None:
    """Empty every table but Alembic's, then put back the rows the migrations made."""
    async with engine.begin() as conn:
        await conn.execute(text("SET session_replication_role = replica"))  # skip user triggers
        await conn.execute(text(_TRUNCATE_WRITTEN))
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
