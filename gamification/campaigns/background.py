"""A worker's connection for delivering one run: its own for the whole run, holding one of the
run's worker slots, and optionally reniced.

The slot is a session-level advisory lock on (the run, slot number), the first free of
`workers`, taken once for the worker's whole pass over the run and released when the
connection closes: at most `workers` workers deliver a run at once however many replicas
tick, rests between chunks included, so each paces itself at its share of the run's rate
(`TickContext.delivery_rate`). A worker finding every slot taken leaves the run to them.

Renicing: when PostgreSQL runs on this host and its backends may be reniced from here (the
same user, as the embedded server; or root), the backend serving the run gets the nice value
`nice`. The backend is found by the process id the server reports for the connection, and
reniced only if that process's command line is a PostgreSQL backend serving this connection
(its client port, or `[local]` for a Unix socket): a process id from another host or
container is never touched. A nice value orders a process only against the others of its
scheduling group: where the kernel groups processes by session (Linux's autogroup, on by
default), all of PostgreSQL's backends form one group and an API server started in its own
session another, which the kernel shares the CPU between equally whatever the backends' nice
values (sched(7)): there the renice changes nothing for the API (as the bench found).

A connection holding a slot or reniced is closed after the run, never handed back to the
pool (a pooled connection would keep both)."""

import logging
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

logger = logging.getLogger(__name__)

Sessions = async_sessionmaker[AsyncSession]
PROC = Path("/proc")
_BACKEND = sa.text("SELECT pg_backend_pid() AS pid, inet_client_port() AS port")
# The first free of the run's slots, held by this connection until it closes (LIMIT 1: the
# filter stops at the first lock taken).
_SLOT = sa.text(
    "SELECT slot FROM generate_series(0, :workers - 1) AS slot "
    "WHERE pg_try_advisory_lock(hashtext(:run), slot) LIMIT 1"
)


def slot_key(run_id: uuid.UUID) -> str:
    """The advisory lock key's text of the run's worker slots (hashed with the slot number)."""
    return f"campaign_run:{run_id}"


@asynccontextmanager
async def delivery_sessions(
    sessions: Sessions, run_id: uuid.UUID, workers: int, nice: int
) -> AsyncIterator[Sessions | None]:
    """Sessions on one connection of the engine's for a worker's pass over run `run_id`,
    holding one of its `workers` slots (0: no cap), its backend reniced to `nice` where that is
    possible (0: left as it is); None when every slot is taken. Sessions bound to a connection
    already (an outer transaction, which serves one worker at a time) are used as they are."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, AsyncEngine):
        yield sessions
        return
    conn = await engine.connect()
    # A connection that asked for a slot may hold one (even if the answer never came back).
    pooled = workers <= 0
    try:
        params = {"workers": workers, "run": slot_key(run_id)}
        async with conn.begin():
            backend = (await conn.execute(_BACKEND)).one()
            slot = await conn.scalar(_SLOT, params) if workers > 0 else 0
        if slot is None:
            yield None
            return
        if renice_backend(backend.pid, backend.port, nice):
            pooled = False
        yield async_sessionmaker(bind=conn, expire_on_commit=False)
    finally:
        if not pooled:
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
