"""What `job_run` remembers: the latest firings of each job, for operators."""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.scheduler.models import JobRun


async def latest_runs(db: AsyncSession, job: str, *, limit: int) -> Sequence[JobRun]:
    """The job's `limit` latest firings, newest first (the (job, scheduled_for) key serves it)."""
    query = (
        sa.select(JobRun)
        .where(col(JobRun.job) == job)
        .order_by(col(JobRun.scheduled_for).desc())
        .limit(limit)
    )
    return (await db.scalars(query)).all()
