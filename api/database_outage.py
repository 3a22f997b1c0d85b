"""The engine's side of telling "the database is unavailable" apart from every other database
error (the rule is `core.outages`).

A frozen or unreachable PostgreSQL shows up as a client-side timeout (asyncpg's `timeout` on
connect, `command_timeout` on a statement), a socket error, or a connection-class SQLSTATE. These
hooks turn each into `DatabaseUnavailable` (a 503 with `Retry-After`, see `api.problems`) and
throw the connection away: one that timed out still waits for the server to confirm the cancel,
so rolling it back would hang for as long as the outage lasts.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

from core.outages import DatabaseUnavailable, is_outage

__all__ = ["DatabaseUnavailable", "is_outage", "watch_for_outages"]


def watch_for_outages(engine: AsyncEngine) -> None:
    event.listen(engine.sync_engine, "do_connect", _connect)
    event.listen(engine.sync_engine, "handle_error", _classify)


def _connect(
    dialect: Dialect, record: ConnectionPoolEntry, cargs: tuple[Any, ...], cparams: dict[str, Any]
) -> Any:
    try:
        return dialect.connect(*cargs, **cparams)
    except Exception as exc:
        if is_outage(exc):
            raise DatabaseUnavailable(f"cannot connect: {type(exc).__name__}: {exc}") from exc
        raise


def _classify(context: ExceptionContext) -> BaseException | None:
    if not is_outage(context.original_exception):
        return None
    context.is_disconnect = True  # discard the connection (and the pool's others) at once
    original = context.original_exception
    return DatabaseUnavailable(f"{type(original).__name__}: {original}")
