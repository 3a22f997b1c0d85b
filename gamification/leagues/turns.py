"""A league week's close and an account's erasure take turns.

The close reads the week's members once and writes from that reading: results (which the inbox
shows as messages), tiers and prizes. An erasure that committed while a close was under way
would see none of those rows yet (they are not committed), delete nothing of them, and the close
would then write them back for an erased account. So the close holds one advisory lock for its
transaction, and each erasure shares it for its own, first thing: an erasure either commits
before the close starts (its members' rows are gone when the close reads them) or waits for the
close to commit and then erases what it wrote. Erasures never wait for each other.

A close of a million members takes tens of seconds; an erasure waits for it at most
`ERASURE_WAIT_MS`, then answers 409 `league-week-closing` with a Retry-After, nothing changed.
"""

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError, ErrorKind

TURN_LOCK_KEY = 0x1EA6_C105
ERASURE_WAIT_MS = 5_000
RETRY_AFTER_SECONDS = 60
LOCK_NOT_AVAILABLE = "55P03"

_CLOSE_TURN = sa.text(f"SELECT pg_advisory_xact_lock({TURN_LOCK_KEY})")
# The shared lock under a lock timeout of its own; the transaction's timeout is put back after.
_ERASURE_TURN = sa.text(
    f"""
    DO $$
    DECLARE
        v_before text := current_setting('lock_timeout');
    BEGIN
        PERFORM set_config('lock_timeout', '{ERASURE_WAIT_MS}ms', true);
        PERFORM pg_advisory_xact_lock_shared({TURN_LOCK_KEY});
        PERFORM set_config('lock_timeout', v_before, true);
    END $$
    """
)


class LeagueWeekClosing(DomainError):
    """The week's close is writing results that include the caller: erase after it."""

    code = "league-week-closing"
    kind = ErrorKind.CONFLICT


async def take_close_turn(db: AsyncSession) -> None:
    """A week's close, before it claims the week: waits for erasures under way."""
    await db.execute(_CLOSE_TURN)


async def take_erasure_turn(db: AsyncSession) -> None:
    """An erasure, first thing in its transaction: waits for a close under way, at most
    `ERASURE_WAIT_MS` (LeagueWeekClosing after that)."""
    try:
        await db.execute(_ERASURE_TURN)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise LeagueWeekClosing(retry_after_seconds=RETRY_AFTER_SECONDS) from exc
        raise
