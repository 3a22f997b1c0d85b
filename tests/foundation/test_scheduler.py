"""Each firing of a periodic job runs once, whatever the number of replicas."""

import asyncio
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.jobs import JobContext
from api.scheduler.jobs import PeriodicJob
from api.scheduler.models import JobRun
from api.scheduler.registry import all_jobs
from api.scheduler.runner import run_firing
from api.scheduler.schedules import DailyAt, Every
from api.settings import Settings
from core.clock import FrozenClock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_every_slots_are_aligned_for_all_replicas() -> None:
    schedule = Every(seconds=30)
    assert schedule.slot(datetime(2026, 1, 1, 0, 0, 29, tzinfo=UTC)) == datetime(
        2026, 1, 1, tzinfo=UTC
    )
    assert schedule.slot(datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)) == datetime(
        2026, 1, 1, 0, 0, 30, tzinfo=UTC
    )


def test_replicas_with_other_settings_compute_the_same_firings() -> None:
    """A replica's own settings (pool size, log level, ...) never move a job's slots; only the
    business time zone, which every replica must share, places the daily jobs."""
    # SCHEDULER_TICK_SECONDS once set the purge job's period per replica; it is ignored now.
    one = Settings(_env_file=None, db_pool_size=5, scheduler_tick_seconds=7)
    other = Settings(_env_file=None, db_pool_size=50, scheduler_tick_seconds=30)
    moment = datetime(2026, 3, 2, 7, 41, 13, tzinfo=UTC)
    slots_of_one = {job.name: job.schedule.slot(moment) for job in all_jobs(one)}
    slots_of_other = {job.name: job.schedule.slot(moment) for job in all_jobs(other)}
    assert slots_of_one == slots_of_other


def test_daily_slot_is_the_latest_wall_clock_time_in_the_zone() -> None:
    schedule = DailyAt(time(3, 0), SHANGHAI)
    # 18:59 UTC on Jan 1 is 02:59 on Jan 2 in Shanghai: the latest 03:00 was Jan 1.
    before = datetime(2026, 1, 1, 18, 59, tzinfo=UTC)
    assert schedule.slot(before) == datetime(2026, 1, 1, 3, tzinfo=SHANGHAI)
    after = datetime(2026, 1, 1, 19, 0, tzinfo=UTC)
    assert schedule.slot(after) == datetime(2026, 1, 2, 3, tzinfo=SHANGHAI)


@pytest.mark.committing
async def test_three_schedulers_claiming_one_firing_run_it_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FrozenClock,
) -> None:
    calls = 0

    async def count(_: JobContext) -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return "counted"

    job = PeriodicJob("test.count", "counts", Every(seconds=60), count)
    replicas = [JobContext(sessionmaker, clock, settings) for _ in range(3)]
    firing = job.schedule.slot(clock.now())
    results = await asyncio.gather(*(run_firing(ctx, job, firing) for ctx in replicas))
    assert calls == 1
    assert sum(result is not None for result in results) == 1
    async with sessionmaker() as db:
        runs = (
            await db.execute(sa.select(JobRun).where(col(JobRun.job) == "test.count"))
        ).scalars()
        assert [(run.status, run.summary) for run in runs] == [("succeeded", "counted")]


@pytest.mark.committing
async def test_a_failing_job_is_recorded_and_runs_again_next_firing(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FrozenClock,
) -> None:
    attempts = 0

    async def flaky(_: JobContext) -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ValueError("broker feed down")
        return "recovered"

    job = PeriodicJob("test.flaky", "fails once", Every(seconds=60), flaky)
    ctx = JobContext(sessionmaker, clock, settings)
    first = await run_firing(ctx, job, job.schedule.slot(clock.now()))
    assert first is not None
    assert first.status == "failed"
    assert "broker feed down" in (first.error or "")
    clock.set(datetime(2026, 3, 2, 1, 31, tzinfo=UTC))
    second = await run_firing(ctx, job, job.schedule.slot(clock.now()))
    assert second is not None
    assert second.status == "succeeded"
