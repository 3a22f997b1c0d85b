"""Creating and dropping whole test databases on the test server."""

from urllib.parse import urlsplit, urlunsplit

import asyncpg

from api.database import asyncpg_url, run_in_own_loop


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
