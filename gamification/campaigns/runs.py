"""Executing campaigns, safely from any number of replicas at once.

1. Claiming: each due occurrence becomes one `campaign_run` row, unique per (campaign,
   scheduled_for) and inserted `ON CONFLICT DO NOTHING` under the campaign's row lock; the
   same statement's transaction targets the segment as of that moment, writing one pending
   `campaign_delivery` per user (unique per run and user), and moves `next_run_at` on.
2. Delivering: chunks of pending deliveries are claimed with `FOR UPDATE SKIP LOCKED`, each in
   its own transaction with the action's effects, so replicas share a run's chunks, and a run
   interrupted anywhere resumes on the next tick with no user served twice or missed.
3. Finishing: a run with no pending delivery left completes; a campaign with no next
   occurrence and no unfinished run completes.
A paused or cancelled campaign's chunks are not claimed: pausing stops a run between chunks.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from gamification.campaigns.deliveries import (
    EXECUTORS,
    ChunkOutcome,
    DeliveryPolicy,
    grant_points_chunk,
)
from gamification.campaigns.filters import Filter
from gamification.campaigns.models import Campaign, CampaignDelivery, CampaignRun, Segment
from gamification.campaigns.schedule import lifecycle_window
from gamification.campaigns.segment_sql import SegmentContext, U, segment_select
from gamification.campaigns.segments import checked_filter
from gamification.campaigns.service import schedule_of
from gamification.contests.calendar import TradingCalendar
from gamification.contests.market_reads import index_level

logger = logging.getLogger(__name__)

LIVE = ("scheduled", "running")
MAX_ERRORS = 20  # per run: the first ones say what went wrong
# SQLSTATE classes a chunk is retried for (connection, transaction rollback, resources,
# operator intervention), as `campaign_grant_chunk` (migration 0032) tells them apart too.
RETRYABLE_CLASSES = ("08", "40", "53", "57")
LOCK_NOT_AVAILABLE = "55P03"
MAX_CATCH_UP = 96  # lifecycle slots claimed per campaign and tick (a day of 15-minute slots)
TARGETING_TIMEOUT = "10min"  # the claim's one INSERT ... SELECT of a segment's deliveries
MAX_REST = 10.0  # seconds a delivering worker rests after a chunk, at most

RUN = CampaignRun.__table__  # type: ignore[attr-defined]
DELIVERY = CampaignDelivery.__table__  # type: ignore[attr-defined]
CAMPAIGN = Campaign.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TickContext:
    now: datetime
    segments: SegmentContext
    calendar: TradingCalendar
    delivery: DeliveryPolicy
    chunk_size: int
    # Deliveries a second one run makes at most, all its workers together (0: as fast as they
    # can): each of its `chunk_workers` workers paces itself at its share.
    delivery_rate: float = 0.0
    chunk_workers: int = 0  # workers delivering one run at once, all replicas together (0: any)
    # Seconds a chunk should take at most (0: no limit): a slower one means the database is
    # busy, and the worker rests in proportion (`rest_after`).
    chunk_budget: float = 0.0
    delivery_nice: int = 0  # the nice value of the delivering backend, where it can be set

    def rest_after(self, took: float, claimed: int) -> float:
        """The rest after a chunk of `claimed` deliveries that took `took` seconds: what is
        left of the time its worker's share of `delivery_rate` gives that many deliveries; or,
        if longer, for a chunk over its budget by a factor k, k - 1 times its own time (so a
        database slowed k times gets about 1/k of its time taken by the run); at most MAX_REST.
        A worker with no cap on workers paces itself at the whole rate."""
        rest = 0.0
        if self.delivery_rate > 0:
            rest = claimed * max(self.chunk_workers, 1) / self.delivery_rate - took
        if self.chunk_budget > 0 and took > self.chunk_budget:
            rest = max(rest, took * (took / self.chunk_budget - 1))
        return min(max(rest, 0.0), MAX_REST)


def _targets(
    campaign: Campaign,
    tree: Filter,
    ctx: TickContext,
    run_id: uuid.UUID,
    scheduled_for: datetime,
) -> Any:
    """The occurrence's deliveries to write: the segment as of now, and for a lifecycle
    campaign only those whose sign-up anniversary (day 0, 7, ...) falls in the run's slot."""
    query = segment_select(
        tree, ctx.segments, sa.literal(run_id, sa.Uuid), U.c.id, sa.literal("pending")
    )
    trigger = campaign.trigger or {}
    if trigger.get("type") != "lifecycle":
        return query
    start, end = lifecycle_window(scheduled_for)
    return query.where(
        sa.or_(
            *(
                sa.and_(
                    U.c.created_at >= start - timedelta(days=days),
                    U.c.created_at < end - timedelta(days=days),
                )
                for days in trigger["days_after_signup"]
            )
        )
    )


async def claim_occurrence(
    db: AsyncSession,
    campaign_id: uuid.UUID,
    scheduled_for: datetime,
    ctx: TickContext,
    *,
    timed: bool = True,
) -> uuid.UUID | None:
    """Claim one occurrence of the campaign and target it; None when another replica (or an
    earlier tick) has it, or the campaign is no longer live. A timed occurrence must still be
    the campaign's `next_run_at`, which moves on in the same transaction."""
    campaign = await db.scalar(
        sa.select(Campaign).where(col(Campaign.id) == campaign_id).with_for_update()
    )
    if campaign is None or campaign.status not in LIVE:
        return None
    if timed and campaign.next_run_at != scheduled_for:
        return None
    if timed:
        campaign.next_run_at = schedule_of(campaign).after(scheduled_for, ctx.now, ctx.calendar)
    run_id: uuid.UUID | None = await db.scalar(
        insert(RUN)
        .values(
            id=new_id(),
            campaign_id=campaign_id,
            scheduled_for=scheduled_for,
            status="running",
            errors=[],
            started_at=ctx.now,
        )
        .on_conflict_do_nothing(index_elements=["campaign_id", "scheduled_for"])
        .returning(RUN.c.id)
    )
    if run_id is None:
        return None
    segment = await db.get(Segment, campaign.segment_id)
    assert segment is not None
    targets = _targets(campaign, checked_filter(segment.filter), ctx, run_id, scheduled_for)
    # Targeting a million users is one statement, longer than a request may take: this
    # transaction alone gets a job's time limit.
    await db.execute(sa.text(f"SET LOCAL statement_timeout = '{TARGETING_TIMEOUT}'"))
    targeted = cast(
        CursorResult[Any],
        await db.execute(insert(DELIVERY).from_select(["run_id", "user_id", "status"], targets)),
    )
    await db.execute(sa.update(RUN).where(RUN.c.id == run_id).values(targeted=targeted.rowcount))
    campaign.status = "running"
    campaign.updated_at = ctx.now
    await db.flush()
    return run_id


async def due_occurrences(db: AsyncSession, now: datetime) -> list[tuple[uuid.UUID, datetime]]:
    rows = await db.execute(
        sa.select(CAMPAIGN.c.id, CAMPAIGN.c.next_run_at)
        .where(CAMPAIGN.c.status.in_(LIVE), CAMPAIGN.c.next_run_at <= now)
        .order_by(CAMPAIGN.c.next_run_at)
    )
    return [(row.id, row.next_run_at) for row in rows]


async def index_drop_occurrences(
    db: AsyncSession, ctx: TickContext
) -> list[tuple[uuid.UUID, datetime]]:
    """Index-drop campaigns whose threshold today's index move has crossed, each with the
    opening of that trading day as its occurrence (so at most one run per trading day)."""
    level = await index_level(db)
    if level is None:
        return []
    opened = datetime.combine(
        level.trading_day, ctx.calendar.sessions[0].open, tzinfo=ctx.calendar.timezone
    )
    rows = await db.execute(
        sa.select(CAMPAIGN.c.id, CAMPAIGN.c.trigger).where(
            CAMPAIGN.c.status.in_(LIVE),
            CAMPAIGN.c.trigger["type"].astext == "index_drop",
            CAMPAIGN.c.starts_at <= ctx.now,
            sa.or_(CAMPAIGN.c.ends_at.is_(None), CAMPAIGN.c.ends_at > ctx.now),
        )
    )
    fall = -level.change_pct
    return [(row.id, opened) for row in rows if fall >= Decimal(str(row.trigger["pct"]))]


# A chunk's users: the first pending ones after where its worker's last chunk ended (`after`;
# the nil UUID: from the run's first), where the index scan starts, so a chunk never walks
# what earlier chunks delivered (migration 0038 does the same for `grant_points`).
_PENDING = (
    sa.select(DELIVERY.c.user_id)
    .where(
        DELIVERY.c.run_id == sa.bindparam("run_id"),
        DELIVERY.c.status == "pending",
        DELIVERY.c.user_id > sa.bindparam("after", type_=sa.Uuid),
    )
    .order_by(DELIVERY.c.user_id)
    .limit(sa.bindparam("size"))
    .with_for_update(skip_locked=True)
)
FIRST = uuid.UUID(int=0)


@dataclass(frozen=True)
class Chunk:
    """What `deliver_chunk` claimed (0: nothing more to do now) and where the same worker's
    next chunk starts."""

    claimed: int
    last_user: uuid.UUID | None = None


async def _live_campaign(db: AsyncSession, run_id: uuid.UUID) -> Campaign | None:
    return await db.scalar(
        sa.select(Campaign)
        .join(CampaignRun, col(CampaignRun.campaign_id) == col(Campaign.id))
        .where(
            col(CampaignRun.id) == run_id,
            col(CampaignRun.status) == "running",
            col(Campaign.status).in_(LIVE),
        )
    )


async def deliver_chunk(
    db: AsyncSession, run_id: uuid.UUID, ctx: TickContext, after: uuid.UUID | None = None
) -> Chunk:
    """Claim up to `chunk_size` pending deliveries of the run after user `after` (None: from
    its first) and make them, in the caller's transaction; claimed 0 when none is left
    unclaimed after `after`, or the campaign is paused or cancelled. An action failing with an
    error no retry can cure marks the chunk's users failed with the error, so a run always
    moves on; an error a retry may cure (`retryable`) is raised, and the chunk's users stay
    pending for the next tick."""
    campaign = await _live_campaign(db, run_id)
    if campaign is None:
        return Chunk(0)
    if campaign.action_type == "grant_points":
        chunk = await grant_points_chunk(
            db,
            campaign,
            run_id,
            after=after,
            size=ctx.chunk_size,
            now=ctx.now,
            policy=ctx.delivery,
            max_errors=MAX_ERRORS,
        )
        if chunk.failed:
            logger.error("campaign chunk failed", extra={"run_id": str(run_id)})
        return Chunk(chunk.claimed, chunk.last_user)
    params = {"run_id": run_id, "after": after or FIRST, "size": ctx.chunk_size}
    users = list((await db.scalars(_PENDING, params)).all())
    if not users:
        return Chunk(0)
    execute = EXECUTORS[campaign.action_type]
    try:
        async with db.begin_nested():
            outcome = await execute(db, campaign, run_id, users, ctx.now, ctx.delivery)
    except DBAPIError as exc:
        if retryable(exc):
            raise
        logger.exception("campaign chunk failed", extra={"run_id": str(run_id)})
        await _record_failure(db, run_id, users, ctx.now, type(exc.orig).__name__)
        return Chunk(len(users), users[-1])
    await _record(db, run_id, outcome, ctx.now)
    return Chunk(len(users), users[-1])


def retryable(exc: DBAPIError) -> bool:
    """Errors a later attempt may not meet: serialization failures and deadlocks, lock and
    statement timeouts, exhausted resources, a lost connection, a server shutting down."""
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    return sqlstate.startswith(RETRYABLE_CLASSES) or sqlstate == LOCK_NOT_AVAILABLE


async def _record(
    db: AsyncSession, run_id: uuid.UUID, outcome: ChunkOutcome, now: datetime
) -> None:
    if outcome.delivered:
        await db.execute(
            sa.update(DELIVERY)
            .where(DELIVERY.c.run_id == run_id, DELIVERY.c.user_id.in_(outcome.delivered))
            .values(status="delivered", delivered_at=now)
        )
    reasons: dict[str, list[uuid.UUID]] = {}
    for user, reason in outcome.skipped.items():
        reasons.setdefault(reason, []).append(user)
    for reason, users in reasons.items():
        await db.execute(
            sa.update(DELIVERY)
            .where(DELIVERY.c.run_id == run_id, DELIVERY.c.user_id.in_(users))
            .values(status="skipped", reason=reason)
        )
    await db.execute(
        sa.update(RUN)
        .where(RUN.c.id == run_id)
        .values(
            delivered=RUN.c.delivered + len(outcome.delivered),
            skipped=RUN.c.skipped + len(outcome.skipped),
            points_spent=RUN.c.points_spent + outcome.points,
        )
    )


async def _record_failure(
    db: AsyncSession, run_id: uuid.UUID, users: list[uuid.UUID], now: datetime, error: str
) -> None:
    await db.execute(
        sa.update(DELIVERY)
        .where(DELIVERY.c.run_id == run_id, DELIVERY.c.user_id.in_(users))
        .values(status="failed", reason=error[:40])
    )
    entry = {"at": now.isoformat(), "users": len(users), "error": error}
    await db.execute(
        sa.update(RUN)
        .where(RUN.c.id == run_id)
        .values(
            failed=RUN.c.failed + len(users),
            errors=sa.case(
                (
                    sa.func.jsonb_array_length(RUN.c.errors) < MAX_ERRORS,
                    RUN.c.errors.op("||")(sa.func.jsonb_build_array(sa.cast(entry, JSONB))),
                ),
                else_=RUN.c.errors,
            ),
        )
    )


async def finish_run(db: AsyncSession, run_id: uuid.UUID, now: datetime) -> bool:
    """End the run if no delivery is pending: `failed` when any of its deliveries failed
    (its `errors` say why; the others were made), else `completed`; then settle its campaign
    if nothing is left of it: no next occurrence, no trigger still watching, no other
    unfinished run."""
    pending = sa.exists().where(DELIVERY.c.run_id == run_id, DELIVERY.c.status == "pending")
    campaign_id = await db.scalar(
        sa.update(RUN)
        .where(RUN.c.id == run_id, RUN.c.status == "running", ~pending)
        .values(status=sa.case((RUN.c.failed > 0, "failed"), else_="completed"), finished_at=now)
        .returning(RUN.c.campaign_id)
    )
    if campaign_id is None:
        return False
    await settle_campaign(db, campaign_id, now)
    return True


async def settle_campaign(db: AsyncSession, campaign_id: uuid.UUID, now: datetime) -> None:
    """A running campaign with no unfinished run goes back to scheduled, or completes when
    nothing more will run (no next occurrence, and no trigger still inside its window)."""
    unfinished = sa.exists().where(
        RUN.c.campaign_id == campaign_id, RUN.c.status.in_(("pending", "running"))
    )
    watching = sa.and_(
        CAMPAIGN.c.trigger["type"].astext == "index_drop",
        sa.or_(CAMPAIGN.c.ends_at.is_(None), CAMPAIGN.c.ends_at > now),
    )
    done = sa.and_(CAMPAIGN.c.next_run_at.is_(None), sa.not_(sa.func.coalesce(watching, False)))
    await db.execute(
        sa.update(CAMPAIGN)
        .where(CAMPAIGN.c.id == campaign_id, CAMPAIGN.c.status.in_(LIVE), ~unfinished)
        .values(
            status=sa.case((done, "completed"), else_="scheduled"),
            updated_at=now,
        )
    )


async def unfinished_runs(db: AsyncSession) -> list[uuid.UUID]:
    rows = await db.scalars(
        sa.select(RUN.c.id)
        .join(CAMPAIGN, CAMPAIGN.c.id == RUN.c.campaign_id)
        .where(RUN.c.status == "running", CAMPAIGN.c.status.in_(LIVE))
        .order_by(RUN.c.scheduled_for)
    )
    return list(rows.all())


async def ended_trigger_campaigns(db: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Trigger-driven campaigns whose window has closed: settled to completed by the tick."""
    rows = await db.scalars(
        sa.select(CAMPAIGN.c.id).where(
            CAMPAIGN.c.status == "scheduled",
            CAMPAIGN.c.next_run_at.is_(None),
            CAMPAIGN.c.ends_at <= now,
        )
    )
    return list(rows.all())
