"""A private PostgreSQL from the `pgserver` package, used when no DATABASE_URL is set.

Several processes (the server, a CLI command run beside it) share one running instance in the
data folder; the last one to exit stops it. Data survives restarts.
"""

import contextlib
import logging
import warnings
from pathlib import Path
from urllib.parse import quote

import asyncpg

from api.database import run_in_own_loop

logger = logging.getLogger(__name__)

DATABASE_NAME = "investquest"


def start_embedded_postgres(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or join) the embedded server and return an asyncpg URL for `database`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir.resolve() / "pgdata"
    with warnings.catch_warnings():
        # pgserver keeps its lock file in the user's runtime folder; without XDG_RUNTIME_DIR
        # (containers, cron, ssh) platformdirs falls back to /tmp and warns on every command.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR", category=UserWarning)
        import pgserver  # imported lazily: it is only needed without DATABASE_URL

        server = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    socket_dir = server.get_postmaster_info().socket_dir
    run_in_own_loop(lambda: _ensure_database(str(socket_dir), database))
    logger.info("embedded PostgreSQL ready", extra={"socket_dir": str(socket_dir)})
    return f"postgresql+asyncpg://postgres@/{database}?host={quote(str(socket_dir))}"


async def _ensure_database(socket_dir: str, database: str) -> None:
    conn = await asyncpg.connect(host=socket_dir, user="postgres", database="postgres")
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            # Another process may create it between our check and our create.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
