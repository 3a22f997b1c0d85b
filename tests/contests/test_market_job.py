"""The market tick job: claimed once per slot, moves prices while open, rests while closed."""

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.jobs import JobContext
from api.scheduler.registry import find_job
from api.scheduler.runner import run_firing
from api.settings import Settings
from core.clock import FrozenClock
from gamification.contests.market_models import Quote
from tests.contests.market_helpers import load_market

pytestmark = pytest.mark.committing


async def quoted_at(sessionmaker: async_sessionmaker[AsyncSession]) -> set[object]:
    async with sessionmaker() as db:
        return set((await db.scalars(sa.select(col(Quote.quoted_at)))).all())


async def test_two_replicas_run_each_tick_once_and_the_closed_market_rests(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FrozenClock,
) -> None:
    await load_market(sessionmaker, clock)
    job = find_job(settings, "contests.market-tick")
    assert job is not None
    replicas = [JobContext(sessionmaker, clock, settings) for _ in range(2)]
    clock.advance(timedelta(seconds=5))  # 09:30:05 in Shanghai, a Monday
    firing = job.schedule.slot(clock.now())
    runs = await asyncio.gather(*(run_firing(ctx, job, firing) for ctx in replicas))
    (ran,) = [run for run in runs if run is not None]
    assert ran.status == "succeeded", ran.error
    assert ran.summary is not None
    assert ran.summary.startswith("simulator: moved 69 instruments")
    assert await quoted_at(sessionmaker) == {clock.now()}
    clock.advance(timedelta(hours=8))  # 17:30: closed
    run = await run_firing(replicas[0], job, job.schedule.slot(clock.now()))
    assert run is not None
    assert run.summary is not None
    assert run.summary.startswith("simulator: moved 0 instruments")
