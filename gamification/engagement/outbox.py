"""Events counted after their commit: a voucher redeemed and a practice order.

The statements that move value for them (`voucher_redeem`, `contest_place_order_reported`)
leave the event in `engagement_outbox` (migration 0051) instead of counting it there: one
insert in their own transaction, so what commits is counted and what is refused is not, and
the hot rows they lock (a product's stock, a contest entry) are not held while the quests,
badges and league are worked out. `drain` counts pending events, as `engagement_report` would
have when they happened: each once (marked seen under its reference), with its badges, the
quests it completes (paid once) and their league XP.

Two callers: the periodic job, for everyone's events in batches, and the reads that show an
event's effects (the caller's quests, badges and league cohort), which drain the caller's own
events first, so those reads show what the learner did. Other reads do not drain: a quest's
points paid for a redemption or an order reach the wallet and `/v1/me` when the job or one of
those reads counts the event (within the job's period, `api.engagement.jobs`). A drain runs in
its caller's transaction: one that fails leaves its events pending, and concurrent drains never
claim the same event.
"""

import uuid

import asyncpg
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.driver_reads import DriverWrite

# What a drain that cannot count its events raises (a conflict, or a bug in what they pay),
# through the session or straight from the driver; an outage is `DatabaseUnavailable` instead.
DRAIN_FAILURES = (DBAPIError, asyncpg.PostgresError)

# A learner's own events: a handful at most, unless the job has been down for long.
CALLER_LIMIT = 1_000

_DRAIN = DriverWrite(sa.text("SELECT engagement_drain(:user_id, :limit) AS drained"))
_PENDING_LEARNERS = sa.text("SELECT DISTINCT user_id FROM engagement_outbox LIMIT :limit").columns(
    user_id=sa.Uuid
)


async def drain(db: AsyncSession, *, user_id: uuid.UUID | None, limit: int) -> int:
    """Count up to `limit` pending events, the learner's (or anyone's for None): how many were
    taken off the outbox (one seen before is taken off and not counted again)."""
    (row,) = await _DRAIN.all(db, user_id=user_id, limit=limit)
    return int(row.drained)


async def pending_learners(db: AsyncSession, *, limit: int) -> list[uuid.UUID]:
    """Up to `limit` learners with events pending (for draining learner by learner when a
    batch of everyone's fails)."""
    return list((await db.scalars(_PENDING_LEARNERS, {"limit": limit})).all())


async def drain_caller(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Count the caller's pending events before a read shows their effects."""
    await drain(db, user_id=user_id, limit=CALLER_LIMIT)


__all__ = ["CALLER_LIMIT", "DRAIN_FAILURES", "drain", "drain_caller", "pending_learners"]
