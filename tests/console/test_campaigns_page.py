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


def _rows(*rows: tuple[str, str, str], group: int = 0) -> dict[str, str]:
    fields = {f"g{group}.mode": "all"}
    for j, (field, op, value) in enumerate(rows):
        fields |= {f"g{group}.r{j}.field": field, f"g{group}.r{j}.op": op}
        fields |= {f"g{group}.r{j}.value": value}
    return fields


async def test_the_builder_adds_rows_and_offers_each_fields_operators(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    marketer = await user_factory(roles=["marketer"], locale="en")
    csrf = await sign_in(console, marketer.email)
    htmx = {"HX-Request": "true"}
    form = {"_csrf": csrf, "match": "all", **_rows(("lifecycle_stage", "eq", "new"))}
    added = await console.post(
        "/console/campaigns/segments/builder", params={"edit": "add-row:0"}, data=form, headers=htmx
    )
    assert added.status_code == 200
    assert "<html" not in added.text  # the builder alone, swapped in place
    assert 'name="g0.r1.field"' in added.text
    chosen = await console.post(
        "/console/campaigns/segments/builder",
        data={**form, **_rows(("points_balance", "eq", "100"))},
        headers=htmx,
    )
    assert '<option value="gte">at least</option>' in chosen.text
    assert '<option value="ne">' not in chosen.text  # not an operator of points_balance
    page = await console.post(
        "/console/campaigns/segments/builder", params={"edit": "add-group"}, data=form
    )
    assert "<html" in page.text  # without htmx: the whole page, the builder as edited
    assert 'name="g1.mode"' in page.text
    for edit in ("add-row:²", "remove-row:0:²", "add-row:--5"):  # not a number: nothing changes
        odd = await console.post(
            "/console/campaigns/segments/builder", params={"edit": edit}, data=form, headers=htmx
        )
        assert odd.status_code == 200, edit
        assert 'name="g0.r1.field"' not in odd.text


async def test_a_segment_built_from_rows_is_counted_and_its_problems_shown_by_the_row(
    console: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    marketer = await user_factory(roles=["marketer"], locale="en", email="mona@example.com")
    await user_factory(email="zhang@example.com", created_days_ago=400)
    csrf = await sign_in(console, marketer.email)
    rows = {
        "match": "all",
        **_rows(("registered_at", "gte", "2000-01-01"), ("points_balance", "gte", "0")),
        **_rows(("lifecycle_stage", "in", "growing, mature"), group=1),
    }
    rows["g1.mode"] = "none"
    counted = await console.post(
        "/console/campaigns/segments/count",
        data={"_csrf": csrf, **rows},
        headers={"HX-Request": "true"},
    )
    assert "In the segment now: 1 learners" in counted.text
    assert "Sample: mona" in counted.text  # not zhang: a grown-up client
    assert '"not": {' in counted.text  # the compiled filter, shown
    bad = await console.post(
        "/console/campaigns/segments",
        data={"_csrf": csrf, "name": "new ones", **rows, "g0.r1.value": "lots"},
    )
    assert bad.status_code == 422
    assert 'id="g0.r1-error"' in bad.text
    assert "must be a whole number from 0 to 1000000000" in bad.text
    assert "filter.all.0.all.1.value" in bad.text  # the API's own path, also shown
    made = await console.post(
        "/console/campaigns/segments", data={"_csrf": csrf, "name": "new ones", **rows}
    )
    assert "Segment “new ones” created" in made.text
    assert "/console/campaigns/new?segment_id=" in made.text
    stored = await db.scalar(sa.text("SELECT filter FROM campaign_segment WHERE name = 'new ones'"))
    assert stored == {
        "all": [
            {
                "all": [
                    {"field": "registered_at", "op": "gte", "value": "2000-01-01"},
                    {"field": "points_balance", "op": "gte", "value": 0},
                ]
            },
            {
                "not": {
                    "any": [
                        {"field": "lifecycle_stage", "op": "in", "value": ["growing", "mature"]}
                    ]
                }
            },
        ]
    }
