"""Segments and campaigns in the console: a segment built with its live count, and a campaign
dry-run, scheduled, paused, resumed and cancelled, with the API's conflicts as problems."""

import json

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.campaigns.campaign_helpers import EVERYONE, make_campaign, make_segment
from tests.console.conftest import sign_in
from tests.factories import UserFactory


async def test_a_segment_is_counted_live_and_created(
    console: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    marketer = await user_factory(roles=["marketer"], locale="en")
    for _ in range(3):
        await user_factory()
    csrf = await sign_in(console, marketer.email)
    counted = await console.post(
        "/console/campaigns/segments/count",
        data={"_csrf": csrf, "filter": json.dumps({"all": [EVERYONE]})},
        headers={"HX-Request": "true"},
    )
    assert counted.status_code == 200
    assert "In the segment now: 4 learners" in counted.text  # the three and the marketer
    wrong = await console.post(
        "/console/campaigns/segments/count",
        data={"_csrf": csrf, "filter": json.dumps({"all": [{"field": "nope", "op": "eq"}]})},
    )
    assert "filter.all" in wrong.text or "all.0" in wrong.text
    bad = await console.post(
        "/console/campaigns/segments", data={"_csrf": csrf, "name": "", "filter": "{"}
    )
    assert bad.status_code == 422
    made = await console.post(
        "/console/campaigns/segments",
        data={"_csrf": csrf, "name": "everyone", "filter": json.dumps({"all": [EVERYONE]})},
    )
    assert made.status_code == 200
    assert "Segment “everyone” created" in made.text
    assert (
        await db.scalar(sa.text("SELECT count(*) FROM campaign_segment WHERE name = 'everyone'"))
        == 1
    )


async def test_a_campaign_is_dry_run_and_moved_through_its_states(
    console: AsyncClient, client: AsyncClient, user_factory: UserFactory
) -> None:
    marketer = await user_factory(roles=["marketer"], locale="en", created_days_ago=400)
    segment_id = await make_segment(client, marketer)
    campaign = await make_campaign(client, marketer, segment_id, draft=True)
    csrf = await sign_in(console, marketer.email)
    page = f"/console/campaigns/{campaign['id']}"
    listing = await console.get("/console/campaigns")
    assert campaign["id"] in listing.text
    trial = await console.post(f"{page}/dry-run", data={"_csrf": csrf})
    assert trial.status_code == 200
    assert "A run now would target" in trial.text
    assert (await console.post(f"{page}/pause", data={"_csrf": csrf})).status_code == 409
    scheduled = await console.post(f"{page}/schedule", data={"_csrf": csrf})
    assert "Status: draft → scheduled" in scheduled.text
    assert (
        "Status: scheduled → paused"
        in (await console.post(f"{page}/pause", data={"_csrf": csrf})).text
    )
    assert (
        "Status: paused → scheduled"
        in (await console.post(f"{page}/resume", data={"_csrf": csrf})).text
    )
    assert "→ cancelled" in (await console.post(f"{page}/cancel", data={"_csrf": csrf})).text
    detail = (
        await client.get(f"/v1/admin/campaigns/{campaign['id']}", headers=marketer.headers)
    ).json()
    assert detail["status"] == "cancelled"
