"""The campaign definition form: every action and schedule kind, the API's problems next to
their fields with nothing written, a campaign saved as a draft or scheduled, and edited (a
stored campaign read into the form and sent back unchanged stays as it was)."""

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.console.campaign_form import campaign_values
from core.clock import FrozenClock
from gamification.campaigns.models import Campaign
from tests.campaigns.campaign_helpers import GRANT, MESSAGE, make_campaign, make_segment
from tests.console.conftest import sign_in
from tests.factories import TestUser, UserFactory
from tests.helpers import product_factory_for, rules_loader

GRANT_FORM = {
    "name": "Spring gift",
    "action.type": "grant_points",
    "action.points": "50",
    "action.reason.zh-CN": "新春红包",
    "action.reason.en": "New Year gift",
    "schedule.kind": "once",
    "schedule.at": "2026-03-03T09:00:00+08:00",
    "schedule.timezone": "Asia/Shanghai",
    "quiet_hours": "true",
}
MULTIPLIER = {
    "action.factor": "2",
    "action.rules": "lesson_completed",
    "action.starts_at": "2026-03-02T00:00:00Z",
    "action.ends_at": "2026-03-09T00:00:00Z",
}


async def _campaigns(db: AsyncSession) -> int:
    return int(await db.scalar(sa.select(sa.func.count()).select_from(Campaign)) or 0)


async def _marketer(
    console: AsyncClient, client: AsyncClient, user_factory: UserFactory
) -> tuple[TestUser, str, str]:
    marketer = await user_factory(roles=["marketer"], locale="en", created_days_ago=400)
    segment_id = await make_segment(client, marketer)
    return marketer, segment_id, await sign_in(console, marketer.email)


async def test_a_campaign_is_defined_with_the_apis_problems_first(
    console: AsyncClient, client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    _, segment_id, csrf = await _marketer(console, client, user_factory)
    blank = await console.get("/console/campaigns/new", params={"segment_id": segment_id})
    assert f'<option value="{segment_id}" selected>' in blank.text
    form = {**GRANT_FORM, "_csrf": csrf, "segment_id": segment_id, "draft": "true"}
    refused = await console.post("/console/campaigns/new", data={**form, "budget_points": "10"})
    assert refused.status_code == 422
    assert 'id="budget_points-error"' in refused.text
    assert "smaller than one delivery (50 points)" in refused.text
    assert 'value="10"' in refused.text  # what was typed is shown again
    assert await _campaigns(db) == 0
    made = await console.post("/console/campaigns/new", data={**form, "budget_points": "1000"})
    assert made.status_code == 303, made.text
    campaign_id = uuid.UUID(made.headers["location"].rsplit("/", 1)[1])
    campaign = await db.get(Campaign, campaign_id)
    assert campaign is not None
    assert (campaign.status, campaign.budget_points, campaign.action) == ("draft", 1000, GRANT)
    audited = await db.scalar(
        sa.text(
            "SELECT count(*) FROM audit_log WHERE action = 'campaign.create' AND object_id = :id"
        ),
        {"id": str(campaign_id)},
    )
    assert audited == 1
    page = await console.get(made.headers["location"])
    assert "Edit campaign" in page.text
    scheduled = await console.post(
        "/console/campaigns/new", data={**form, "name": "at once", "draft": "false"}
    )
    at_once = await db.get(Campaign, uuid.UUID(scheduled.headers["location"].rsplit("/", 1)[1]))
    assert at_once is not None
    assert at_once.status == "scheduled"
    assert at_once.next_run_at is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"action.points": "many"}, "action.points"),
        ({"action.type": "points_multiplier", "action.factor": "many"}, "action.factor"),
        ({"action.type": "points_multiplier", **MULTIPLIER, "action.factor": "4"}, "action.factor"),
        (
            {"action.type": "points_multiplier", **MULTIPLIER, "action.rules": "nope"},
            "action.rules",
        ),
        (
            {
                "action.type": "message",
                "action.title.zh-CN": "你好",
                "action.title.en": "Hi {nickname}",
            },
            "action.title.en",
        ),
        ({"action.type": "voucher_drop"}, "action.product_id"),
        (
            {
                "schedule.kind": "cron",
                "schedule.cron": "0 9 * * *",
                "schedule.timezone": "Asia/Atlantis",
            },
            "schedule.timezone",
        ),
        ({"schedule.kind": "cron", "schedule.cron": "0 0 31 2 *"}, "schedule.cron"),
        ({"schedule.kind": "index_drop", "trigger.pct": "0"}, "trigger.pct"),
        (
            {"schedule.kind": "lifecycle", "trigger.days_after_signup": "0, seven"},
            "trigger.days_after_signup",
        ),
        (
            {"schedule.kind": "lifecycle", "trigger.days_after_signup": "0, ²"},
            "trigger.days_after_signup",
        ),
        (
            {"schedule.kind": "lifecycle", "trigger.days_after_signup": "--5"},
            "trigger.days_after_signup",
        ),
        ({"schedule.at": "tomorrow"}, "schedule.at"),
        ({"starts_at": "2026-03-05T00:00:00Z", "ends_at": "2026-03-04T00:00:00Z"}, "ends_at"),
    ],
)
async def test_each_problem_is_shown_next_to_its_field(
    console: AsyncClient,
    client: AsyncClient,
    user_factory: UserFactory,
    db: AsyncSession,
    change: dict[str, str],
    field: str,
) -> None:
    _, segment_id, csrf = await _marketer(console, client, user_factory)
    form = {**GRANT_FORM, "_csrf": csrf, "segment_id": segment_id, **change}
    refused = await console.post("/console/campaigns/new", data=form)
    assert refused.status_code == 422, refused.text
    assert f'id="{field}-error"' in refused.text
    assert await _campaigns(db) == 0


def _bodies(product_id: str) -> list[dict[str, Any]]:
    """One campaign of each action, each on another kind of schedule."""
    return [
        {"action": GRANT, "budget_points": 500, "ends_at": "2026-04-01T00:00:00Z"},
        {
            "action": {
                "type": "points_multiplier",
                "factor": "2",
                "rules": ["lesson_completed"],
                "starts_at": "2026-03-02T00:00:00Z",
                "ends_at": "2026-03-09T00:00:00Z",
            },
            "schedule": {
                "timezone": "Asia/Shanghai",
                "cron": "0 9 * * 1-5",
                "skip_closed_days": True,
            },
        },
        {
            "action": {"type": "voucher_drop", "product_id": product_id},
            "schedule": {"timezone": "Asia/Shanghai"},
            "trigger": {"type": "index_drop", "pct": "3"},
            "quiet_hours": False,
        },
        {
            "action": MESSAGE,
            "schedule": {"timezone": "Europe/London"},
            "trigger": {"type": "lifecycle", "days_after_signup": [0, 7, 30]},
        },
    ]


_COLUMNS = (
    "name",
    "segment_id",
    "action",
    "schedule_at",
    "cron",
    "timezone",
    "skip_closed_days",
    "trigger",
    "starts_at",
    "ends_at",
    "budget_points",
    "quiet_hours",
    "status",
    "next_run_at",
)


async def test_every_kind_of_campaign_comes_back_unchanged_through_the_edit_form(
    console: AsyncClient,
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    await rules_loader(sessionmaker, clock)()
    product = await product_factory_for(sessionmaker, clock)()
    marketer, segment_id, csrf = await _marketer(console, client, user_factory)
    for body in _bodies(str(product.id)):
        made = await make_campaign(client, marketer, segment_id, draft=True, **body)
        async with sessionmaker() as db:
            before = await db.get(Campaign, uuid.UUID(made["id"]))
        assert before is not None
        form_page = await console.get(f"/console/campaigns/{made['id']}/edit")
        assert form_page.status_code == 200
        assert (
            f'id="action-{before.action["type"]}" name="action.type" value="{before.action["type"]}" checked'
            in form_page.text
        )
        values = campaign_values(before)
        saved = await console.post(
            f"/console/campaigns/{made['id']}/edit", data={**values, "_csrf": csrf}
        )
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"].endswith("?saved=1")
        async with sessionmaker() as db:
            after = await db.get(Campaign, uuid.UUID(made["id"]))
        assert after is not None
        assert [getattr(after, c) for c in _COLUMNS] == [getattr(before, c) for c in _COLUMNS]


async def test_an_edit_is_checked_whole_and_refused_once_cancelled(
    console: AsyncClient, client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    marketer, segment_id, csrf = await _marketer(console, client, user_factory)
    made = await make_campaign(client, marketer, segment_id, draft=True)
    edit = f"/console/campaigns/{made['id']}/edit"
    form = {**GRANT_FORM, "_csrf": csrf, "segment_id": segment_id}
    renamed = await console.post(edit, data={**form, "name": "Renamed"})
    assert renamed.status_code == 303
    shown = await console.get(renamed.headers["location"])
    assert "Saved." in shown.text
    assert "Renamed" in shown.text
    bad = await console.post(
        edit, data={**form, **MULTIPLIER, "action.factor": "9", "action.type": "points_multiplier"}
    )
    assert bad.status_code == 422
    assert 'id="action.factor-error"' in bad.text
    await client.post(f"/v1/admin/campaigns/{made['id']}/cancel", headers=marketer.headers)
    refused = await console.post(edit, data={**form, "name": "Too late"})
    assert refused.status_code == 409
    assert "Too late" in refused.text  # the form as typed, with the conflict above it
    campaign = await db.get(Campaign, uuid.UUID(made["id"]))
    assert campaign is not None
    await db.refresh(campaign)
    assert (campaign.name, campaign.status) == ("Renamed", "cancelled")


async def test_a_stale_token_or_another_role_changes_nothing(
    console: AsyncClient, client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    _, segment_id, _ = await _marketer(console, client, user_factory)
    form = {**GRANT_FORM, "segment_id": segment_id, "_csrf": "stale"}
    stale = await console.post("/console/campaigns/new", data=form)
    assert (stale.status_code, stale.headers["location"]) == (303, "/console/sign-in")
    builder = await console.post(
        "/console/campaigns/segments/builder",
        params={"edit": "add-group"},
        data={"_csrf": "stale"},
        headers={"HX-Request": "true"},
    )
    assert builder.headers["HX-Redirect"] == "/console/sign-in"
    assert await _campaigns(db) == 0
    missing = await console.get(f"/console/campaigns/{uuid.uuid4()}/edit")
    assert missing.status_code == 404
    moderator = await user_factory(roles=["moderator"])
    csrf = await sign_in(console, moderator.email)
    assert (await console.get("/console/campaigns/new")).status_code == 403
    refused = await console.post("/console/campaigns/new", data={**form, "_csrf": csrf})
    assert refused.status_code == 403
    assert await _campaigns(db) == 0


async def test_the_form_speaks_chinese(
    console: AsyncClient, client: AsyncClient, user_factory: UserFactory
) -> None:
    marketer = await user_factory(roles=["marketer"], created_days_ago=400)  # zh-CN
    segment_id = await make_segment(client, marketer)
    csrf = await sign_in(console, marketer.email)
    form = {**GRANT_FORM, "_csrf": csrf, "segment_id": segment_id, "budget_points": "10"}
    refused = await console.post("/console/campaigns/new", data=form)
    assert refused.status_code == 422
    assert "保存为草稿" in refused.text
    assert "每人积分" in refused.text
    assert 'id="budget_points-error"' in refused.text
