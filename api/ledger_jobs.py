"""The ledger's periodic jobs: points expiry and the daily reconciliation."""

import logging

from api.scheduler.jobs import JobContext
from gamification.ledger.expiry import expire_overdue_points
from gamification.ledger.reconcile import check_ledger

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
