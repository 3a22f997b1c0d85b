"""How runs end and when they happen: a delivery that fails for good ends its run `failed`
with the error listed, one a retry may cure waits for the next tick; a paused cron campaign
skips the firings it missed, a paused one-off still runs once resumed."""

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.settings import Settings
from core.clock import FrozenClock
from tests.campaigns.campaign_helpers import (
    bulk_learners,
    make_campaign,
    make_segment,
    marketer_of,
    points_paid,
    runs_of,
    tick,
)
from tests.factories import TestUser, UserFactory

EN = {"field": "locale", "op": "eq", "value": "en"}
MONDAYS_NINE = {"timezone": "Asia/Shanghai", "cron": "0 9 * * 1"}  # 01:00 UTC


def refusing_ledger(sqlstate: str) -> list[str]:
    """A trigger that refuses the campaign's ledger postings with `sqlstate` (created in the
    test's own transaction, so it is gone with it)."""
    return [
        "CREATE FUNCTION test_refuse_campaign_posting() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN RAISE EXCEPTION 'ledger refused' USING ERRCODE = '{sqlstate}'; END $$",
        "CREATE TRIGGER test_refuse_campaign_posting BEFORE INSERT ON ledger_transaction"
        " FOR EACH ROW WHEN (NEW.reference LIKE 'campaign:%')"
        " EXECUTE FUNCTION test_refuse_campaign_posting()",
    ]


async def execute(sessionmaker: async_sessionmaker[AsyncSession], statements: list[str]) -> None:
    async with sessionmaker.begin() as db:
        for statement in statements:
            await db.execute(sa.text(statement))


def small_chunks(settings: Settings) -> Settings:
    return settings.model_copy(update={"campaign_chunk_size": 4, "campaign_delivery_rate": 0})


async def test_a_grant_the_ledger_refuses_ends_its_run_failed_with_the_error_listed(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    await bulk_learners(sessionmaker, 10, created_at=clock.now(), locale="en")
    campaign = await make_campaign(
        client, marketer, await make_segment(client, marketer, EN), budget_points=10_000
    )
    await execute(sessionmaker, refusing_ledger("P0001"))
    summary = await tick(sessionmaker, clock, small_chunks(settings))
    assert (summary.claimed, summary.delivered, summary.finished) == (1, 10, 1)
    (run,) = await runs_of(client, marketer, campaign["id"])
    assert (run["status"], run["targeted"], run["delivered"], run["failed"]) == (
        "failed",
        10,
        0,
        10,
    )
    assert run["points_spent"] == 0
    assert [(e["users"], e["error"]) for e in run["errors"]] == [
        (4, "P0001 ledger refused"),
        (4, "P0001 ledger refused"),
        (2, "P0001 ledger refused"),
    ]
    assert await points_paid(sessionmaker, campaign["id"]) == {}
    async with sessionmaker() as db:  # the budget taken by the failed chunks was given back
        assert await db.scalar(sa.text("SELECT points_spent FROM campaign")) == 0
        reasons = await db.scalars(sa.text("SELECT DISTINCT reason FROM campaign_delivery"))
        assert list(reasons) == ["error P0001"]
    shown = await client.get(f"/v1/admin/campaigns/{campaign['id']}", headers=marketer.headers)
    assert shown.json()["status"] == "completed"  # its one occurrence is over


async def test_a_deadlocked_chunk_waits_for_the_next_tick_and_then_completes(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    learners = await bulk_learners(sessionmaker, 6, created_at=clock.now(), locale="en")
    campaign = await make_campaign(client, marketer, await make_segment(client, marketer, EN))
    await execute(sessionmaker, refusing_ledger("40P01"))
    summary = await tick(sessionmaker, clock, small_chunks(settings))
    assert (summary.claimed, summary.delivered, summary.finished) == (1, 0, 0)
    (run,) = await runs_of(client, marketer, campaign["id"])
    assert (run["status"], run["delivered"], run["failed"], run["errors"]) == (
        "running",
        0,
        0,
        [],
    )
    await execute(
        sessionmaker,
        [
            "DROP TRIGGER test_refuse_campaign_posting ON ledger_transaction",
            "DROP FUNCTION test_refuse_campaign_posting()",
        ],
    )
    clock.advance(timedelta(seconds=30))
    await tick(sessionmaker, clock, small_chunks(settings))
    (run,) = await runs_of(client, marketer, campaign["id"])
    assert (run["status"], run["delivered"], run["failed"]) == ("completed", 6, 0)
    assert sorted(await points_paid(sessionmaker, campaign["id"])) == learners


async def change(client: AsyncClient, marketer: TestUser, campaign_id: str, verb: str) -> Any:
    response = await client.post(
        f"/v1/admin/campaigns/{campaign_id}/{verb}", headers=marketer.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_paused_cron_campaign_resumed_skips_the_firings_it_missed(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    await bulk_learners(sessionmaker, 3, created_at=clock.now(), locale="en")
    segment_id = await make_segment(client, marketer, EN)
    campaign = await make_campaign(client, marketer, segment_id, schedule=MONDAYS_NINE)
    assert campaign["next_run_at"] == "2026-03-09T01:00:00.000Z"  # Monday 2 is past 09:00
    await change(client, marketer, campaign["id"], "pause")
    clock.set(datetime(2026, 3, 17, 3, 0, tzinfo=UTC))  # Mondays 9 and 16 went by paused
    marketer = await marketer_of(user_factory)  # signed in now
    assert (await tick(sessionmaker, clock, settings)).claimed == 0
    resumed = await change(client, marketer, campaign["id"], "resume")
    assert (resumed["status"], resumed["next_run_at"]) == ("scheduled", "2026-03-23T01:00:00.000Z")
    assert (await tick(sessionmaker, clock, settings)).claimed == 0
    assert await runs_of(client, marketer, campaign["id"]) == []
    clock.set(datetime(2026, 3, 23, 1, 0, 20, tzinfo=UTC))
    marketer = await marketer_of(user_factory)
    assert (await tick(sessionmaker, clock, settings)).claimed == 1
    (run,) = await runs_of(client, marketer, campaign["id"])
    assert (run["scheduled_for"], run["status"], run["delivered"]) == (
        "2026-03-23T01:00:00.000Z",
        "completed",
        3,
    )


async def test_a_paused_one_off_campaign_still_runs_once_resumed_after_its_time(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    await bulk_learners(sessionmaker, 3, created_at=clock.now(), locale="en")
    segment_id = await make_segment(client, marketer, EN)
    at = {"timezone": "Asia/Shanghai", "at": "2026-03-02T06:00:00Z"}
    campaign = await make_campaign(client, marketer, segment_id, schedule=at)
    await change(client, marketer, campaign["id"], "pause")
    clock.set(datetime(2026, 3, 3, tzinfo=UTC))
    marketer = await marketer_of(user_factory)  # signed in now
    resumed = await change(client, marketer, campaign["id"], "resume")
    assert resumed["next_run_at"] == "2026-03-02T06:00:00.000Z"
    assert (await tick(sessionmaker, clock, settings)).claimed == 1
    (run,) = await runs_of(client, marketer, campaign["id"])
    assert (run["status"], run["delivered"]) == ("completed", 3)
