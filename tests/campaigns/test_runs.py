"""Executing campaigns for real (committing): replicas racing, a run killed and resumed, the
budget under concurrency."""

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.campaigns.jobs import tick_context
from api.settings import Settings
from core.clock import FrozenClock
from gamification.campaigns.background import slot_key
from gamification.campaigns.tick import claim_due, deliver_run
from tests.campaigns.campaign_helpers import (
    bulk_learners,
    job_context,
    make_campaign,
    make_segment,
    marketer_of,
    points_paid,
    runs_of,
    tick,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.committing

LEARNERS = 300


def small_chunks(settings: Settings, size: int = 20) -> Settings:
    """Small chunks, no pace, and no cap on workers at once: replicas race for real."""
    return settings.model_copy(
        update={
            "campaign_chunk_size": size,
            "campaign_delivery_rate": 0,
            "campaign_chunk_workers": 0,
        }
    )


async def test_three_schedulers_ticking_at_once_serve_each_user_once(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    learners = await bulk_learners(sessionmaker, LEARNERS, created_at=clock.now(), locale="en")
    segment_id = await make_segment(
        client, marketer, {"field": "locale", "op": "eq", "value": "en"}
    )
    campaign = await make_campaign(client, marketer, segment_id)
    replicas = small_chunks(settings)
    summaries = await asyncio.gather(*(tick(sessionmaker, clock, replicas) for _ in range(3)))
    assert sum(s.claimed for s in summaries) == 1
    assert sum(s.delivered for s in summaries) == LEARNERS
    paid = await points_paid(sessionmaker, campaign["id"])
    assert sorted(paid) == learners
    assert set(paid.values()) == {1}
    (run,) = await runs_of(client, marketer, campaign["id"])
    assert (run["status"], run["targeted"], run["delivered"], run["points_spent"]) == (
        "completed",
        LEARNERS,
        LEARNERS,
        50 * LEARNERS,
    )


async def test_a_run_killed_between_chunks_resumes_with_no_duplicate_and_no_miss(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    learners = await bulk_learners(sessionmaker, LEARNERS, created_at=clock.now(), locale="en")
    segment_id = await make_segment(
        client, marketer, {"field": "locale", "op": "eq", "value": "en"}
    )
    campaign = await make_campaign(client, marketer, segment_id)
    ctx = tick_context(job_context(sessionmaker, clock, small_chunks(settings, 10)))
    assert await claim_due(sessionmaker, ctx) == 1
    async with sessionmaker() as db:
        run_id = await db.scalar(sa.text("SELECT id FROM campaign_run"))
    worker = asyncio.create_task(deliver_run(sessionmaker, run_id, ctx))
    while True:  # kill it once some chunks have committed
        await asyncio.sleep(0.01)
        async with sessionmaker() as db:
            delivered = await db.scalar(sa.text("SELECT delivered FROM campaign_run"))
        if delivered >= 30:
            break
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker
    (half,) = await runs_of(client, marketer, campaign["id"])
    assert half["status"] == "running"
    assert 30 <= half["delivered"] < LEARNERS
    clock.advance(timedelta(seconds=30))
    await tick(sessionmaker, clock, small_chunks(settings, 10))
    paid = await points_paid(sessionmaker, campaign["id"])
    assert sorted(paid) == learners
    assert set(paid.values()) == {1}
    (run,) = await runs_of(client, marketer, campaign["id"])
    assert (run["status"], run["delivered"]) == ("completed", LEARNERS)


async def test_racing_replicas_never_spend_more_than_the_budget(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    await bulk_learners(sessionmaker, 120, created_at=clock.now(), locale="en")
    segment_id = await make_segment(
        client, marketer, {"field": "locale", "op": "eq", "value": "en"}
    )
    campaign = await make_campaign(client, marketer, segment_id, budget_points=1_025)
    ctx = tick_context(job_context(sessionmaker, clock, small_chunks(settings, 7)))
    await claim_due(sessionmaker, ctx)
    async with sessionmaker() as db:
        run_id = await db.scalar(sa.text("SELECT id FROM campaign_run"))
    await asyncio.gather(*(deliver_run(sessionmaker, run_id, ctx) for _ in range(6)))
    paid = await points_paid(sessionmaker, campaign["id"])
    assert len(paid) == 20  # 1,025 points cover twenty grants of 50
    (run,) = await runs_of(client, marketer, campaign["id"])
    assert (run["delivered"], run["skipped"], run["points_spent"]) == (20, 100, 1_000)
    async with sessionmaker() as db:
        spent = await db.scalar(sa.text("SELECT points_spent FROM campaign"))
        reasons = await db.scalars(
            sa.text("SELECT DISTINCT reason FROM campaign_delivery WHERE status = 'skipped'")
        )
        assert spent == 1_000
        assert list(reasons) == ["budget_exhausted"]


async def test_a_run_has_no_more_workers_at_once_than_its_cap(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    await bulk_learners(sessionmaker, 30, created_at=clock.now(), locale="en")
    segment_id = await make_segment(
        client, marketer, {"field": "locale", "op": "eq", "value": "en"}
    )
    campaign = await make_campaign(client, marketer, segment_id)
    capped = settings.model_copy(
        update={
            "campaign_chunk_size": 10,
            "campaign_delivery_rate": 0,
            "campaign_chunk_workers": 1,
        }
    )
    ctx = tick_context(job_context(sessionmaker, clock, capped))
    assert await claim_due(sessionmaker, ctx) == 1
    async with sessionmaker() as db:
        run_id = await db.scalar(sa.text("SELECT id FROM campaign_run"))
    # Another replica's worker holds the one slot (between its chunks too): this one leaves
    # the run to it, and takes the slot once it is free.
    async with sessionmaker.begin() as other:
        await other.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:run), 0)"), {"run": slot_key(run_id)}
        )
        assert await deliver_run(sessionmaker, run_id, ctx) == (0, False)
    assert await deliver_run(sessionmaker, run_id, ctx) == (30, True)
    # The slot went with the worker's connection: the next pass finds it free.
    async with sessionmaker() as db:
        free = await db.scalar(
            sa.text("SELECT pg_try_advisory_xact_lock(hashtext(:run), 0)"),
            {"run": slot_key(run_id)},
        )
    assert free
    (run,) = await runs_of(client, marketer, campaign["id"])
    assert (run["status"], run["delivered"]) == ("completed", 30)


async def test_users_a_worker_passed_over_while_held_are_delivered_by_the_next_pass(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    """A worker's chunks go on after its last user; those another worker held meanwhile (and
    let go without delivering) stay pending for the next pass, which starts from the first."""
    marketer = await marketer_of(user_factory)
    learners = await bulk_learners(sessionmaker, 30, created_at=clock.now(), locale="en")
    segment_id = await make_segment(
        client, marketer, {"field": "locale", "op": "eq", "value": "en"}
    )
    campaign = await make_campaign(client, marketer, segment_id)
    ctx = tick_context(job_context(sessionmaker, clock, small_chunks(settings, 10)))
    assert await claim_due(sessionmaker, ctx) == 1
    async with sessionmaker() as db:
        run_id = await db.scalar(sa.text("SELECT id FROM campaign_run"))
    async with sessionmaker.begin() as other:  # another worker holds the first chunk
        await other.execute(
            sa.text(
                "SELECT 1 FROM campaign_delivery WHERE run_id = :run "
                "ORDER BY user_id LIMIT 10 FOR UPDATE"
            ),
            {"run": run_id},
        )
        assert await deliver_run(sessionmaker, run_id, ctx) == (20, False)
    assert sorted(await points_paid(sessionmaker, campaign["id"])) == sorted(learners)[10:]
    assert await deliver_run(sessionmaker, run_id, ctx) == (10, True)
    paid = await points_paid(sessionmaker, campaign["id"])
    assert sorted(paid) == sorted(learners)
    assert set(paid.values()) == {1}
