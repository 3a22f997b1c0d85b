"""Replacing pooled connections the server has closed, without a round trip.

A pre-ping costs three round trips on every checkout (BEGIN, `;`, ROLLBACK). Instead: a
connection is replaced when it has lived `DB_POOL_RECYCLE_SECONDS` (before a firewall or a proxy
drops it silently), and one the server closed while it sat in the pool (a restart, a failover,
`pg_terminate_backend`, an idle timeout) is already marked closed by asyncpg, which reads every
socket all the time; checking that flag at checkout is free. The pool then opens a new
connection and the request goes on: a read never meets a dead connection it could have avoided.
A socket that dies silently after checkout still shows as an outage (`api.database_outage`).
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection


def replace_closed_connections(engine: AsyncEngine) -> None:
    event.listen(engine.sync_engine, "checkout", _refuse_closed)


def _refuse_closed(
    dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    driver_connection = record.driver_connection  # the asyncpg connection
    if driver_connection is not None and driver_connection.is_closed():
        # The pool discards this connection and checks out another (a new one if need be).
        raise DisconnectionError("the server closed this pooled connection")
