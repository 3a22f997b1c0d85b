"""A run's deliveries on a connection of their own, whose database backend yields the CPU to
the API's: when PostgreSQL runs on this host and its backends may be reniced from here (the
same user, as the embedded server; or root), the backend serving the run gets the nice value
`nice`, so the operating system serves the API's backends first and gives the run what they
leave. Elsewhere (a database on another host, another user) the connection is an ordinary one
and the pacing alone (`TickContext.chunk_budget`) protects the API.

The backend is found by the process id the server reports for the connection, and reniced
only if that process's command line is a PostgreSQL backend serving this connection (its
client port, or `[local]` for a Unix socket): a process id from another host or container is
never touched. A reniced connection is closed after the run, never handed back to the pool."""

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

logger = logging.getLogger(__name__)

Sessions = async_sessionmaker[AsyncSession]
PROC = Path("/proc")
_BACKEND = sa.text("SELECT pg_backend_pid() AS pid, inet_client_port() AS port")


@asynccontextmanager
async def background_sessions(sessions: Sessions, nice: int) -> AsyncIterator[Sessions]:
    """Sessions on one connection of the engine's for the whole run, its backend reniced to
    `nice` where that is possible (0: left as it is). Sessions bound to a connection already
    (an outer transaction) are used as they are."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, AsyncEngine):
        yield sessions
        return
    conn = await engine.connect()
    reniced = False
    try:
        async with conn.begin():
            backend = (await conn.execute(_BACKEND)).one()
        reniced = renice_backend(backend.pid, backend.port, nice)
        yield async_sessionmaker(bind=conn, expire_on_commit=False)
    finally:
        if reniced:
            await conn.invalidate()
        await conn.close()


def renice_backend(pid: int, port: int | None, nice: int, proc: Path = PROC) -> bool:
    """Give backend `pid` (serving the client at `port`; None: a Unix socket) at least the nice
    value `nice`, if it is a PostgreSQL backend on this host and this process may; whether it
    now has it."""
    if nice <= 0:
        return False
    try:
        command = (proc / str(pid) / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    marker = "[local]" if port is None else f"({port})"
    if not command.startswith("postgres") or marker not in command:
        return False
    try:
        if os.getpriority(os.PRIO_PROCESS, pid) < nice:
            os.setpriority(os.PRIO_PROCESS, pid, nice)
    except OSError as exc:  # another user's process, and no CAP_SYS_NICE
        logger.info("campaign delivery backend not reniced: %s", exc)
        return False
    return True
