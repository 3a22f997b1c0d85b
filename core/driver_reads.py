"""Hot reads sent straight to the driver: a SQLAlchemy Core statement compiled once, at import,
then run on the request session's own connection without SQLAlchemy's per-statement machinery
(compile-cache lookup, execution context, cursor and result wrappers), which costs as much as
the driver's own work for a small read.

For plain reads only (no locks, no writes): the statement runs on the session's connection, so
inside its transaction once one has written, and on its own (as an autocommit read would) before
that; at READ COMMITTED both read the latest committed data. Parameters go to the driver as they
are (UUIDs, strings, numbers, times: none may need a SQLAlchemy type's conversion), JSON columns
come back decoded by the engine's codecs (`api.database`), and rows answer `row.name` as
SQLAlchemy rows do. A database that is frozen or gone raises `DatabaseUnavailable` and the
connection is thrown away, as on the SQLAlchemy path (`api.database_outage`).
"""

from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

from core.outages import DatabaseUnavailable, is_outage

_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


class Row(asyncpg.Record):
    """A driver record that also answers by attribute, like a SQLAlchemy row."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class DriverRead:
    """One read statement, compiled for asyncpg once."""

    def __init__(self, statement: sa.ClauseElement):
        compiled = statement.compile(dialect=_DIALECT)
        assert isinstance(compiled, SQLCompiler)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a driver read cannot have parameters rendered at execution time")
        if compiled._bind_processors:
            raise ValueError("a driver read's parameters must need no conversion")
        self.sql = str(compiled)
        self._names = tuple(compiled.positiontup or ())
        # The values the statement carries itself (its literals, sent as parameters); a missing
        # `bindparam` without a value is a KeyError.
        carried = compiled.construct_params(_check=False)
        self._carried = {
            name: carried[name] for bind, name in compiled.bind_names.items() if not bind.required
        }

    async def all(self, db: AsyncSession, **params: Any) -> list[Row]:
        connection = await db.connection()
        arguments = [
            params[name] if name in params else self._carried[name] for name in self._names
        ]
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None, "a checked-out connection has its driver connection"
        try:
            rows: list[Row] = await driver.fetch(self.sql, *arguments, record_class=Row)
        except Exception as exc:
            await _discard_if_outage(connection, exc)
            raise
        return rows

    async def first(self, db: AsyncSession, **params: Any) -> Row | None:
        rows = await self.all(db, **params)
        return rows[0] if rows else None


async def _discard_if_outage(connection: AsyncConnection, exc: Exception) -> None:
    if is_outage(exc):
        await connection.invalidate(exc)
        raise DatabaseUnavailable(f"{type(exc).__name__}: {exc}") from exc
