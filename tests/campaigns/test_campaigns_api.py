"""Campaigns through the API: 422 naming each bad field, states and 409s, dry runs, audit."""

from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.audit import AuditLog
from api.settings import Settings
from core.clock import FrozenClock
from tests.campaigns.campaign_helpers import (
    GRANT,
    MESSAGE,
    make_campaign,
    make_segment,
    marketer_of,
    tick,
)
from tests.factories import UserFactory

SHANGHAI = {"timezone": "Asia/Shanghai", "at": "2026-03-02T01:30:00Z"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"schedule": {"timezone": "Asia/Atlantis", "cron": "0 9 * * *"}}, "schedule.timezone"),
        ({"schedule": {"timezone": "Asia/Shanghai", "cron": "0 0 31 2 *"}}, "schedule.cron"),
        ({"schedule": {"timezone": "Asia/Shanghai", "cron": "0 25 * * *"}}, "schedule.cron"),
        (
            {
                "schedule": {"timezone": "Asia/Shanghai", "cron": "0 9 * * *"},
                "starts_at": "2026-03-05T00:00:00Z",
                "ends_at": "2026-03-04T00:00:00Z",
            },
            "ends_at",
        ),
        ({"budget_points": 49}, "budget_points"),
        (
            {
                "action": {
                    "type": "points_multiplier",
                    "factor": "3.5",
                    "rules": ["lesson_completed"],
                    "starts_at": "2026-03-02T00:00:00Z",
                    "ends_at": "2026-03-09T00:00:00Z",
                }
            },
            "action.factor",
        ),
        (
            {"action": {**MESSAGE, "title": {"zh-CN": "你好 {name}", "en": "Hi {display_name}"}}},
            "action.title.zh-CN",
        ),
        ({"schedule": {"timezone": "Asia/Shanghai"}}, "schedule"),
        (
            {"trigger": {"type": "index_drop", "pct": 0}, "schedule": {"timezone": "UTC"}},
            "trigger.pct",
        ),
    ],
)
async def test_a_bad_campaign_is_422_naming_the_field(
    client: AsyncClient, user_factory: UserFactory, change: dict[str, Any], field: str
) -> None:
    marketer = await marketer_of(user_factory)
    segment_id = await make_segment(client, marketer)
    body = {"name": "c", "segment_id": segment_id, "action": GRANT, "schedule": SHANGHAI, **change}
    response = await client.post("/v1/admin/campaigns", json=body, headers=marketer.headers)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_an_unknown_segment_or_rule_is_422(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    marketer = await marketer_of(user_factory)
    body = {
        "name": "c",
        "segment_id": "0190a1b2-0000-7000-8000-000000000001",
        "action": {
            "type": "points_multiplier",
            "factor": 2,
            "rules": ["no_such_rule"],
            "starts_at": "2026-03-02T00:00:00Z",
            "ends_at": "2026-03-09T00:00:00Z",
        },
        "schedule": SHANGHAI,
    }
    response = await client.post("/v1/admin/campaigns", json=body, headers=marketer.headers)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"segment_id", "action.rules.0"}


async def test_states_move_as_allowed_and_refuse_the_rest_with_409(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    marketer = await marketer_of(user_factory)
    segment_id = await make_segment(client, marketer)
    campaign = await make_campaign(client, marketer, segment_id, draft=True)
    assert (campaign["status"], campaign["next_run_at"]) == ("draft", None)
    base = f"/v1/admin/campaigns/{campaign['id']}"
    refused = await client.post(f"{base}/pause", headers=marketer.headers)
    assert refused.status_code == 409
    assert refused.json()["status"] == "draft"
    scheduled = await client.post(f"{base}/schedule", headers=marketer.headers)
    assert scheduled.json()["status"] == "scheduled"
    assert scheduled.json()["next_run_at"] == "2026-03-02T01:30:00.000Z"
    assert (await client.post(f"{base}/pause", headers=marketer.headers)).json()[
        "status"
    ] == "paused"
    edited = await client.patch(base, json={"name": "renamed"}, headers=marketer.headers)
    assert edited.status_code == 200, edited.text
    assert edited.json()["name"] == "renamed"
    assert (await client.post(f"{base}/resume", headers=marketer.headers)).json()[
        "status"
    ] == "scheduled"
    assert (await client.post(f"{base}/cancel", headers=marketer.headers)).json()[
        "status"
    ] == "cancelled"
    assert (await client.post(f"{base}/resume", headers=marketer.headers)).status_code == 409
    async with sessionmaker() as db:
        actions = (
            await db.scalars(
                sa.select(col(AuditLog.action))
                .where(col(AuditLog.object_id) == campaign["id"])
                .order_by(col(AuditLog.created_at), col(AuditLog.id))
            )
        ).all()
    assert list(actions) == [
        "campaign.create",
        "campaign.schedule",
        "campaign.pause",
        "campaign.update",
        "campaign.resume",
        "campaign.cancel",
    ]


async def test_editing_a_running_campaign_is_409(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    await user_factory()
    segment_id = await make_segment(client, marketer)
    campaign = await make_campaign(client, marketer, segment_id)
    async with sessionmaker.begin() as db:  # a run claimed, not yet delivered
        await db.execute(
            sa.text("UPDATE campaign SET status = 'running' WHERE id = :id"), {"id": campaign["id"]}
        )
    response = await client.patch(
        f"/v1/admin/campaigns/{campaign['id']}", json={"name": "x"}, headers=marketer.headers
    )
    assert response.status_code == 409
    assert response.json()["change"] == "edit"


async def test_a_dry_run_counts_and_spends_nothing(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    marketer = await marketer_of(user_factory)
    learners = [await user_factory(locale="en") for _ in range(3)]
    segment_id = await make_segment(
        client, marketer, {"field": "locale", "op": "eq", "value": "en"}
    )
    campaign = await make_campaign(client, marketer, segment_id, budget_points=100, draft=True)
    response = await client.post(
        f"/v1/admin/campaigns/{campaign['id']}/dry-run", headers=marketer.headers
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["targeted"], result["points"], result["vouchers"]) == (3, 100, 0)
    assert result["warnings"] == ["budget_short"]
    assert {m["user_id"] for m in result["sample"]} == {str(u.id) for u in learners}
    async with sessionmaker() as db:
        assert await db.scalar(sa.text("SELECT count(*) FROM campaign_run")) == 0
        assert await db.scalar(sa.text("SELECT points_spent FROM campaign")) == 0


async def test_a_one_off_grant_runs_once_and_completes(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    marketer = await marketer_of(user_factory)
    learners = [await user_factory(locale="en") for _ in range(3)]
    segment_id = await make_segment(
        client, marketer, {"field": "locale", "op": "eq", "value": "en"}
    )
    campaign = await make_campaign(client, marketer, segment_id)
    summary = await tick(sessionmaker, clock, settings)
    assert (summary.claimed, summary.delivered, summary.finished) == (1, 3, 1)
    again = await tick(sessionmaker, clock, settings)
    assert (again.claimed, again.delivered) == (0, 0)
    for learner in learners:
        ledger = (await client.get("/v1/me/ledger", headers=learner.headers)).json()["items"]
        assert [(e["amount"], e["reason"]) for e in ledger] == [(50, "New Year gift")]
    (run,) = (
        await client.get(f"/v1/admin/campaigns/{campaign['id']}/runs", headers=marketer.headers)
    ).json()["items"]
    assert (run["status"], run["targeted"], run["delivered"], run["points_spent"]) == (
        "completed",
        3,
        3,
        150,
    )
    detail = (
        await client.get(f"/v1/admin/campaigns/{campaign['id']}", headers=marketer.headers)
    ).json()
    assert detail["status"] == "completed"
    assert detail["totals"]["delivered"] == 3
