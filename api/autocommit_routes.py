"""Routes that run without BEGIN and COMMIT: each statement commits on its own.

At READ COMMITTED (the server's default, and ours) every statement of a transaction already
reads its own snapshot, so wrapping reads in BEGIN ... COMMIT buys no consistency and costs two
round trips. A route opts in with `opt=AUTOCOMMIT` when it only reads, or writes at most one
statement that stands on its own (opening a lesson upserts its clock, idempotently). A route
that writes twice, or writes after a read it depends on, keeps its transaction.
"""

from typing import Any

from litestar.datastructures import State
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

AUTOCOMMIT: dict[str, Any] = {"autocommit": True}
# An autocommit route whose every statement (authentication's too) goes straight to the driver
# (`core.driver_reads`): its statements run on a pooled connection of the request's own
# (`api.database.PooledRequestConnection`), and its session is never used for SQL.
DRIVER_ONLY: dict[str, Any] = AUTOCOMMIT | {"driver_only": True}


def is_driver_only(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    return handler is not None and bool(handler.opt.get("driver_only"))


def request_sessionmaker(scope: Scope, state: State) -> async_sessionmaker[AsyncSession]:
    """The session factory for this request's route: autocommit where the route opted in."""
    handler = scope.get("route_handler")
    if handler is not None and handler.opt.get("autocommit"):
        autocommit: async_sessionmaker[AsyncSession] = state.autocommit_sessionmaker
        return autocommit
    sessionmaker: async_sessionmaker[AsyncSession] = state.sessionmaker
    return sessionmaker
