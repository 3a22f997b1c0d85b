"""One LISTEN connection per server process: it forgets changed callers in the session cache,
and tells the cache whether it may trust itself (only while the connection is up)."""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

from api.accounts.session_cache import CALLER_CHANGED, SessionCache

logger = logging.getLogger(__name__)

RECONNECT_SECONDS = 1.0
PING_SECONDS = 5.0  # a silently dead connection is noticed within this, plus the timeout
PING_TIMEOUT_SECONDS = 2.0


class CallerChangeListener:
    def __init__(self, url: URL, cache: SessionCache):
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._cache = cache

    async def run(self) -> None:
        """Listen until cancelled, reconnecting after a drop; the cache is trusted only while
        the LISTEN is in place."""
        while True:
            try:
                await self._listen_once()
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                logger.warning("session cache off: cannot listen for caller changes: %s", exc)
            finally:
                self._cache.distrust()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen_once(self) -> None:
        dropped = asyncio.Event()
        connection = await asyncpg.connect(
            self._dsn,
            timeout=PING_TIMEOUT_SECONDS,
            server_settings={"application_name": "investquest-listener"},
        )
        try:
            connection.add_termination_listener(lambda _: dropped.set())
            await connection.add_listener(CALLER_CHANGED, self._on_notice)
            self._cache.trust()
            while not dropped.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(dropped.wait(), PING_SECONDS)
                    break
                await connection.fetchval("SELECT 1", timeout=PING_TIMEOUT_SECONDS)
            logger.warning("session cache off: the caller-change connection dropped")
        finally:
            self._cache.distrust()
            connection.terminate()

    def _on_notice(self, connection: Any, pid: int, channel: str, payload: object) -> None:
        try:
            user_id = uuid.UUID(str(payload))
        except ValueError:
            self._cache.forget_all()  # not a user id: forget everyone, to be safe
            return
        self._cache.forget_user(user_id)


@contextlib.asynccontextmanager
async def listening(url: URL, cache: SessionCache) -> AsyncIterator[None]:
    """Run a listener for as long as the block (the app's lifespan) lasts."""
    task = asyncio.create_task(CallerChangeListener(url, cache).run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
