"""The engine, the session factories and the one-transaction-per-request dependency."""

import asyncio
from collections.abc import AsyncGenerator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit, urlunsplit

import asyncpg
import msgspec
from litestar import Request
from litestar.types import Scope
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util.concurrency import greenlet_spawn

from api.database_liveness import replace_closed_connections
from api.database_outage import watch_for_outages
from api.settings import Settings
from core.errors import CommittedRefusal

T = TypeVar("T")


def asyncpg_url(url: str) -> str:
    """Normalise `postgres://` and `postgresql://` URLs to the asyncpg driver."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql+asyncpg"))


JOBS_POOL_TIMEOUT_SECONDS = 10


def create_engine(url: str, settings: Settings, *, serves_requests: bool = False) -> AsyncEngine:
    """The engine; `serves_requests` adds the deadlines meant for requests.

    A request gives up on the database after DB_UNAVAILABLE_TIMEOUT_SECONDS, whether it waits
    for a pooled connection, a new connection or a statement's answer. Jobs and CLI commands (a
    ledger check runs whole-table aggregates under its own server-side timeout) must not be cut
    by that, so the server's engine for jobs, and every command's, is built without it.
    """
    connect_args: dict[str, Any] = {
        "server_settings": {
            "application_name": "investquest",
            "statement_timeout": str(settings.db_statement_timeout_ms),
            "idle_in_transaction_session_timeout": "60000",
        },
    }
    if _on_loopback_without_ssl_choice(url):
        # asyncpg's default (`prefer`) asks a loopback server for TLS on every new connection.
        connect_args["ssl"] = False
    pool_timeout: float = JOBS_POOL_TIMEOUT_SECONDS
    if serves_requests:
        pool_timeout = settings.db_unavailable_timeout_seconds
        # Client-side, both: a frozen server accepts the socket and then says nothing, and its
        # own statement_timeout cannot fire.
        connect_args["timeout"] = connect_args["command_timeout"] = pool_timeout
    engine = create_async_engine(
        asyncpg_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_recycle=settings.db_pool_recycle_seconds,
        pool_use_lifo=True,  # the same few connections stay hot, their statement caches full
        # JSON(B) columns (lesson cards, quizzes, aggregated course pages) decode with msgspec:
        # several times faster than the standard library, and the same Python values.
        json_deserializer=msgspec.json.decode,
        pool_timeout=pool_timeout,
        connect_args=connect_args,
    )
    watch_for_outages(engine)
    replace_closed_connections(engine)
    return engine


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def _on_loopback_without_ssl_choice(url: str) -> bool:
    """A loopback host (traffic never leaves the machine) and no `ssl`/`sslmode` in the URL."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return parts.hostname in _LOOPBACK_HOSTS and not ({"ssl", "sslmode"} & query.keys())


def create_sessionmaker(
    engine: AsyncEngine, *, autocommit: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`; with `autocommit`, each statement commits on its own: no BEGIN or
    COMMIT round trips, for the routes that opt in (see `api.read_routes`)."""
    if autocommit:
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    return async_sessionmaker(engine, expire_on_commit=False)


# Every request has one lazy session (opened by `api.request_cycle`): it takes a pooled
# connection only when first used, so the health, metrics and schema routes never touch the
# pool. Authentication reads the caller through it, in the same transaction as the handler's
# work; `provide_db` commits it.
REQUEST_SESSION = "db_session"


class PooledRequestConnection:
    """A request's own connection for its driver statements (`core.driver_reads`): checked out
    of the pool when first needed, without a session, and given back by `release`. A session
    bound to one connection (the tests' rolled-back transaction) lends that one instead, so the
    driver statements see what the test wrote."""

    def __init__(self, bind: AsyncEngine | AsyncConnection):
        self._bind = bind
        self._pooled: PoolProxiedConnection | None = None
        self._driver: asyncpg.Connection[Any] | None = None

    async def driver(self) -> "asyncpg.Connection[Any]":
        if self._driver is None:
            if isinstance(self._bind, AsyncConnection):
                raw = await self._bind.get_raw_connection()
            else:
                raw = self._pooled = await self._bind.raw_connection()
            self._driver = raw.driver_connection
            assert self._driver is not None, "a checked-out connection has its driver connection"
        return self._driver

    async def invalidate(self, exc: BaseException) -> None:
        self._driver = None
        if isinstance(self._bind, AsyncConnection):
            await self._bind.invalidate(exc)
        elif self._pooled is not None:
            pooled, self._pooled = self._pooled, None
            await greenlet_spawn(pooled.invalidate, exc)

    async def release(self) -> None:
        """Back to the pool (a no-op when nothing was checked out, or for a lent connection)."""
        self._driver = None
        if self._pooled is not None:
            pooled, self._pooled = self._pooled, None
            await greenlet_spawn(pooled.close)


def request_connection_for(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> PooledRequestConnection:
    bind = sessionmaker.kw["bind"]
    assert isinstance(bind, AsyncEngine | AsyncConnection), "a session factory has one bind"
    return PooledRequestConnection(bind)


def request_session(scope: Scope) -> AsyncSession:
    session: AsyncSession = scope["state"][REQUEST_SESSION]
    return session


async def provide_db(request: Request[Any, Any, Any]) -> AsyncGenerator[AsyncSession, None]:
    """The request's one transaction: committed when the handler returns, rolled back when it
    raises, except for a `CommittedRefusal`, which is committed and then answered as its error.

    Litestar exits this generator after the handler has built its response and before the
    response goes out, so a failed commit becomes an error response, never a 2xx for lost work.
    """
    session = request_session(request.scope)
    try:
        yield session
    except CommittedRefusal:
        await session.commit()
        raise
    except Exception:
        await session.rollback()
        raise
    if session.in_transaction():  # a session never used has nothing to commit
        await session.commit()


def run_in_own_loop(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous code, in a thread with its own event loop,
    so it neither needs nor disturbs an event loop the calling thread may have."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine()).result()
