"""The compliance rules this process screens with, swapped without a restart.

A process starts with COMMUNITY_RULES_FILE, then reads the highest stored version
(`community_rule_set`) and LISTENs on `investquest_moderation_rules`: a version stored on any
replica (`PUT /v1/admin/moderation/rules`, `POST /v1/admin/moderation/rules/reload`) NOTIFYs
when it commits, and every process reads and compiles it and swaps it in, within a second. The
swap is one attribute assignment: a request screens with whichever set was live when it
asked. While the LISTEN connection is down nothing new is heard; it reads the highest version
again each time it is back, so a notice lost meanwhile is never lost for good.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

from gamification.community.rule_versions import RuleFileError, RuleVersion, newer_rule_version
from gamification.community.screening import RuleSet

logger = logging.getLogger(__name__)

RULES_CHANGED = "investquest_moderation_rules"
RECONNECT_SECONDS = 1.0
PING_SECONDS = 5.0
PING_TIMEOUT_SECONDS = 2.0
FIRST_READ_SECONDS = 5.0  # the lifespan waits this long for the stored version, at most


class RuleBook:
    def __init__(self, first: RuleVersion):
        self._live = first

    @property
    def live(self) -> RuleVersion:
        return self._live

    @property
    def rules(self) -> RuleSet:
        return self._live.rules

    def offer(self, candidate: RuleVersion) -> bool:
        """Swap in a stored version newer than the live one (an older notice changes nothing)."""
        live = self._live.version
        if candidate.version is None or (live is not None and candidate.version <= live):
            return False
        self._live = candidate
        logger.info("moderation rules version %s live", candidate.version)
        return True


class RuleChangeListener:
    def __init__(self, url: URL, book: RuleBook):
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._book = book
        self.first_read = asyncio.Event()  # set once the stored versions were read (or not)

    async def run(self) -> None:
        """Listen until cancelled, reconnecting after a drop."""
        while True:
            try:
                await self._listen_once()
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                logger.warning("moderation rules: cannot listen for changes: %s", exc)
            except Exception:  # anything else must not end the listening for good
                logger.exception("moderation rules: the listener failed; it starts again")
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen_once(self) -> None:
        changed = asyncio.Event()
        connection = await asyncpg.connect(
            self._dsn,
            timeout=PING_TIMEOUT_SECONDS,
            server_settings={"application_name": "investquest-rules-listener"},
        )

        def heard(*_: Any) -> None:
            changed.set()

        try:
            await connection.add_listener(RULES_CHANGED, heard)
            await self._read(connection)  # after LISTEN: a version stored from now on is heard
            self.first_read.set()
            while True:
                try:
                    await asyncio.wait_for(changed.wait(), PING_SECONDS)
                except TimeoutError:
                    await connection.fetchval("SELECT 1", timeout=PING_TIMEOUT_SECONDS)
                    continue
                changed.clear()
                await self._read(connection)
        finally:
            connection.terminate()

    async def _read(self, connection: asyncpg.Connection) -> None:
        try:
            newer = await newer_rule_version(connection, self._book.live.version)
        except RuleFileError as exc:  # stored by an older build that knew more: keep ours
            logger.error("moderation rules: the stored version does not compile: %s", exc)
            return
        if newer is not None:
            self._book.offer(newer)


@contextlib.asynccontextmanager
async def rule_changes_heard(url: URL, book: RuleBook) -> AsyncIterator[RuleChangeListener]:
    """Run a listener for as long as the block (the app's lifespan) lasts; the block starts
    once the stored version is live, or after FIRST_READ_SECONDS with the file's rules."""
    listener = RuleChangeListener(url, book)
    task = asyncio.create_task(listener.run())
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(listener.first_read.wait(), FIRST_READ_SECONDS)
        yield listener
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
