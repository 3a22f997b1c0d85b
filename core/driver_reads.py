"""Hot reads sent straight to the driver: a SQLAlchemy Core statement compiled once, at import,
then run on the request session's own connection without SQLAlchemy's per-statement machinery
(compile-cache lookup, execution context, cursor and result wrappers), which costs as much as
the driver's own work for a small read.

For plain reads only (no locks, no writes): the statement runs on the session's connection, so
inside its transaction once one has written, and on its own (as an autocommit read would) before
that; at READ COMMITTED both read the latest committed data. A session that carries a
`RequestConnection` in its `info` (a route whose every statement goes to the driver, see
`api.autocommit_routes`) and has not begun a transaction sends it there instead: a pooled
connection checked out without the session's transaction, `Connection` object and commit.
`DriverWrite` is one statement that writes and stands on its own: there it commits by itself;
on any other session it runs through the session, inside its transaction. `DriverStep` may write
too, always inside the session's transaction.

Parameters go to the driver as they are (UUIDs, strings, numbers, times), converted only where
their type asks for it (JSON, arrays) as SQLAlchemy would; JSON columns come back decoded by the
engine's codecs (`api.database`), and rows answer `row.name` and `row._asdict()` as SQLAlchemy
rows do. A database that is frozen or gone raises `DatabaseUnavailable` and the connection is
thrown away, as on the SQLAlchemy path (`api.database_outage`).
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, cast

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

    def _asdict(self) -> dict[str, Any]:
        """The columns by name, as a SQLAlchemy row's `_asdict()` gives them."""
        return dict(self.items())


REQUEST_CONNECTION = "request_connection"  # its key in a session's `info`


class RequestConnection(Protocol):
    """The connection a request's driver statements run on, checked out when first needed."""

    async def driver(self) -> "asyncpg.Connection[Any]": ...

    async def invalidate(self, exc: BaseException) -> None:
        """Throw the connection away (it timed out or the server is gone)."""


class DriverRead:
    """One read statement, compiled for asyncpg once."""

    def __init__(self, statement: sa.ClauseElement):
        self.statement = statement
        compiled = statement.compile(dialect=_DIALECT)
        assert isinstance(compiled, SQLCompiler)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a driver read cannot have parameters rendered at execution time")
        self.sql = str(compiled)
        self._names = tuple(compiled.positiontup or ())
        # The conversions a parameter's type asks for (JSON written out, an array made a list),
        # as SQLAlchemy would apply them; most parameters need none.
        self._converters: dict[int, Callable[[Any], Any]] = {
            position: compiled._bind_processors[name]  # type: ignore[misc]
            for position, name in enumerate(self._names)
            if name in compiled._bind_processors
        }
        # The values the statement carries itself (its literals, sent as parameters); a missing
        # `bindparam` without a value is a KeyError.
        carried = compiled.construct_params(_check=False)
        self._carried = {
            name: carried[name] for bind, name in compiled.bind_names.items() if not bind.required
        }

    async def all(self, db: AsyncSession, **params: Any) -> list[Row]:
        arguments = self._arguments(params)
        own: RequestConnection | None = db.info.get(REQUEST_CONNECTION)
        if own is not None and not db.in_transaction():
            return await _fetch(await own.driver(), own.invalidate, self.sql, arguments)
        connection, driver = await _session_driver(db)
        return await _fetch(driver, connection.invalidate, self.sql, arguments)

    async def first(self, db: AsyncSession, **params: Any) -> Row | None:
        rows = await self.all(db, **params)
        return rows[0] if rows else None

    def _arguments(self, params: dict[str, Any]) -> list[Any]:
        arguments = [
            params[name] if name in params else self._carried[name] for name in self._names
        ]
        for position, convert in self._converters.items():
            arguments[position] = convert(arguments[position])
        return arguments

    async def _through_session(self, db: AsyncSession, params: dict[str, Any]) -> list[Row]:
        """The statement run by the session, inside its transaction (which it opens)."""
        assert isinstance(self.statement, sa.Executable), "a statement, not a fragment"
        result = await db.execute(self.statement, params)
        return cast(list[Row], result.all())  # SQLAlchemy's rows answer by attribute too


class DriverWrite(DriverRead):
    """One statement that writes and stands on its own (an idempotent upsert, a function that
    does one unit of work): sent to the driver on a request's own connection, where it commits
    by itself, else run through the session, inside its transaction. `alone` are parameters
    sent only when it commits by itself (for what is safe only in a transaction of its own)."""

    def __init__(self, statement: sa.ClauseElement, *, alone: Mapping[str, Any] | None = None):
        super().__init__(statement)
        self._alone = dict(alone or {})

    async def all(self, db: AsyncSession, **params: Any) -> list[Row]:
        if db.info.get(REQUEST_CONNECTION) is not None and not db.in_transaction():
            return await super().all(db, **(params | self._alone))
        return await self._through_session(db, params)


class DriverStep(DriverRead):
    """A statement, reading or writing, that is a later step of the session's transaction: sent
    to the driver on the session's own connection once the transaction is open there, else run
    through the session, which opens it. For a unit of work's statements whose SQLAlchemy
    per-statement work costs as much as the driver's (the engagement batch a lesson's reward
    hands on, after the reward's own statement)."""

    async def all(self, db: AsyncSession, **params: Any) -> list[Row]:
        connection, driver = await _session_driver(db)
        if not driver.is_in_transaction():
            return await self._through_session(db, params)
        return await _fetch(driver, connection.invalidate, self.sql, self._arguments(params))


async def _session_driver(db: AsyncSession) -> "tuple[AsyncConnection, asyncpg.Connection[Any]]":
    """The session's connection (checked out, opening its transaction) and its driver's."""
    connection = await db.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None, "a checked-out connection has its driver connection"
    return connection, driver


async def _fetch(
    driver: "asyncpg.Connection[Any]",
    invalidate: Callable[[BaseException], Awaitable[None]],
    sql: str,
    arguments: list[Any],
) -> list[Row]:
    try:
        rows: list[Row] = await driver.fetch(sql, *arguments, record_class=Row)
    except Exception as exc:
        if is_outage(exc):
            await invalidate(exc)
            raise DatabaseUnavailable(f"{type(exc).__name__}: {exc}") from exc
        raise
    return rows
