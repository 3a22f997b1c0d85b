"""Claiming and running firings, and the APScheduler that fires them in each replica."""

import logging
from datetime import datetime

import sqlalchemy as sa
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from prometheus_client import Counter
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from api.jobs import JobContext
from api.scheduler.jobs import PeriodicJob
from api.scheduler.models import JobRun
from core.ids import new_id

logger = logging.getLogger(__name__)

JOB_RUNS = Counter(
    "investquest_job_runs_total", "Periodic job firings run by this replica", ["job", "outcome"]
)

MAX_MESSAGE = 2000


async def claim_firing(ctx: JobContext, job: PeriodicJob, scheduled_for: datetime) -> JobRun | None:
    """Insert the (job, firing) row; only the replica whose insert lands gets to run it."""
    async with ctx.sessionmaker.begin() as db:
        row = (
            await db.execute(
                insert(JobRun)
                .values(
                    id=new_id(),
                    job=job.name,
                    scheduled_for=scheduled_for,
                    status="running",
                    started_at=ctx.clock.now(),
                )
                .on_conflict_do_nothing(index_elements=["job", "scheduled_for"])
                .returning(JobRun)
            )
        ).scalar_one_or_none()
    return row


async def run_firing(ctx: JobContext, job: PeriodicJob, scheduled_for: datetime) -> JobRun | None:
    """Run one firing if no replica has claimed it; a failure is logged and recorded, not raised."""
    claimed = await claim_firing(ctx, job, scheduled_for)
    if claimed is None:
        return None
    try:
        summary = await job.run(ctx)
    except Exception as exc:
        logger.exception("job failed", extra={"job": job.name, "scheduled_for": scheduled_for})
        JOB_RUNS.labels(job.name, "failed").inc()
        return await _finish(ctx, claimed, "failed", error=f"{type(exc).__name__}: {exc}")
    logger.info("job done", extra={"job": job.name, "summary": summary})
    JOB_RUNS.labels(job.name, "succeeded").inc()
    return await _finish(ctx, claimed, "succeeded", summary=summary)


async def _finish(
    ctx: JobContext,
    run: JobRun,
    status: str,
    *,
    summary: str | None = None,
    error: str | None = None,
) -> JobRun:
    async with ctx.sessionmaker.begin() as db:
        await db.execute(
            sa.update(JobRun)
            .where(col(JobRun.id) == run.id)
            .values(
                status=status,
                finished_at=ctx.clock.now(),
                summary=summary[:MAX_MESSAGE] if summary else None,
                error=error[:MAX_MESSAGE] if error else None,
            )
        )
    run.status, run.summary, run.error = status, summary, error
    return run


async def fire(ctx: JobContext, job: PeriodicJob) -> None:
    """What APScheduler calls: run the firing the current moment belongs to."""
    await run_firing(ctx, job, job.schedule.slot(ctx.clock.now()))


def create_scheduler(ctx: JobContext, jobs: list[PeriodicJob]) -> AsyncIOScheduler:
    """An in-memory APScheduler: 3.x cannot share job stores between processes, so replicas
    agree through the PostgreSQL claims instead."""
    scheduler = AsyncIOScheduler(timezone=ctx.settings.timezone)
    for job in jobs:
        scheduler.add_job(
            fire,
            trigger=job.schedule.trigger(),
            args=(ctx, job),
            id=job.name,
            name=job.description,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=60,
        )
    return scheduler
