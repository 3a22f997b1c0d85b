"""The campaign tick: claim what is due, deliver every unfinished run chunk by chunk, settle
what has finished. Each step is its own transaction, so the tick can stop anywhere (a crash,
a cancelled task, a replica going away) and the next tick, on any replica, carries on."""

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gamification.campaigns.background import delivery_sessions
from gamification.campaigns.runs import (
    CAMPAIGN,
    MAX_CATCH_UP,
    TickContext,
    claim_occurrence,
    deliver_chunk,
    due_occurrences,
    ended_trigger_campaigns,
    finish_run,
    index_drop_occurrences,
    retryable,
    settle_campaign,
    unfinished_runs,
)

logger = logging.getLogger(__name__)

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class TickSummary:
    claimed: int
    delivered: int
    finished: int

    def __str__(self) -> str:
        return (
            f"claimed {self.claimed} runs, made {self.delivered} deliveries, "
            f"finished {self.finished} runs"
        )


async def claim_due(sessions: Sessions, ctx: TickContext) -> int:
    """Claim every due occurrence; a lifecycle campaign whose scheduler was away claims each
    missed slot in turn (they hold sign-ups too), up to a day's worth per tick."""
    async with sessions.begin() as db:
        due = await due_occurrences(db, ctx.now)
        drops = await index_drop_occurrences(db, ctx)
    claimed = 0
    for campaign_id, scheduled_for in due:
        at: datetime | None = scheduled_for
        for _ in range(MAX_CATCH_UP):
            if at is None or at > ctx.now:
                break
            async with sessions.begin() as db:
                claimed += await claim_occurrence(db, campaign_id, at, ctx) is not None
                at = await _next_run_at(db, campaign_id)
    for campaign_id, scheduled_for in drops:
        async with sessions.begin() as db:
            run = await claim_occurrence(db, campaign_id, scheduled_for, ctx, timed=False)
            claimed += run is not None
    return claimed


async def _next_run_at(db: AsyncSession, campaign_id: uuid.UUID) -> datetime | None:
    next_run_at: datetime | None = await db.scalar(
        sa.select(CAMPAIGN.c.next_run_at).where(CAMPAIGN.c.id == campaign_id)
    )
    return next_run_at


async def deliver_run(sessions: Sessions, run_id: uuid.UUID, ctx: TickContext) -> tuple[int, bool]:
    """Deliver the run's chunks until none is left to claim, each starting after the last
    user of the one before (users another worker held and let go are the next tick's, which
    starts from the first again), on a connection of its own holding one of the run's
    `chunk_workers` slots (`delivery_sessions`; every slot taken: nothing to do here), resting
    after each chunk as `ctx.rest_after` says: the worker keeps to its share of the run's
    deliveries a second, and gives a busy database time back; (deliveries made, finished). A
    chunk meeting an error a retry may cure is left pending for the next tick."""
    made = 0
    after: uuid.UUID | None = None
    async with delivery_sessions(sessions, run_id, ctx.chunk_workers, ctx.delivery_nice) as own:
        if own is None:
            return made, False
        while True:
            started = time.monotonic()
            try:
                async with own.begin() as db:
                    chunk = await deliver_chunk(db, run_id, ctx, after)
            except DBAPIError as exc:
                if not retryable(exc):
                    raise
                logger.warning(
                    "campaign chunk left for the next tick", extra={"run_id": str(run_id)}
                )
                return made, False
            if chunk.claimed == 0:
                break
            made += chunk.claimed
            after = chunk.last_user
            rest = ctx.rest_after(time.monotonic() - started, chunk.claimed)
            if rest > 0:
                await asyncio.sleep(rest)
    async with sessions.begin() as db:
        finished = await finish_run(db, run_id, ctx.now)
    return made, finished


async def tick_campaigns(sessions: Sessions, ctx: TickContext) -> TickSummary:
    claimed = await claim_due(sessions, ctx)
    async with sessions.begin() as db:
        runs = await unfinished_runs(db)
    delivered = finished = 0
    for run_id in runs:
        made, done = await deliver_run(sessions, run_id, ctx)
        delivered, finished = delivered + made, finished + done
    async with sessions.begin() as db:
        for campaign_id in await ended_trigger_campaigns(db, ctx.now):
            await settle_campaign(db, campaign_id, ctx.now)
    return TickSummary(claimed, delivered, finished)
