"""Periodic jobs of the points economy: expiry, reconciliation, and old cap counters."""

import logging
from datetime import timedelta

from api.jobs import JobContext
from gamification.ledger.expiry import expire_overdue_points
from gamification.ledger.reconcile import check_ledger
from gamification.rewards.caps import forget_days_before

logger = logging.getLogger(__name__)


async def expire_points(ctx: JobContext) -> str:
    lots, points = await expire_overdue_points(ctx.sessionmaker, now=ctx.clock.now())
    return f"expired {points} points from {lots} lots"


async def reconcile_ledger(ctx: JobContext) -> str:
    """Logs every break as an error (alerting picks those up); the job itself succeeds."""
    async with ctx.sessionmaker() as db:
        breaks = await check_ledger(db)
    for line in breaks:
        logger.error("ledger break", extra={"break": line})
    return f"{len(breaks)} breaks" if breaks else "the books balance"


async def forget_old_cap_counters(ctx: JobContext) -> str:
    """Daily cap counters are read only on their own day; keep a week for support questions."""
    cutoff = ctx.clock.now().astimezone(ctx.settings.timezone).date() - timedelta(days=7)
    async with ctx.sessionmaker.begin() as db:
        deleted = await forget_days_before(db, cutoff)
    return f"deleted {deleted} daily cap counters before {cutoff.isoformat()}"
