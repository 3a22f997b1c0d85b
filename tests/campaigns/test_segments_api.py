"""Segments through the API: 422 naming the path, preview counts and samples, the audit."""

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.audit import AuditLog
from core.clock import FrozenClock
from tests.campaigns.campaign_helpers import make_segment, marketer_of
from tests.factories import UserFactory
from tests.helpers import funder_for


async def test_a_bad_condition_is_422_naming_its_path(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    marketer = await marketer_of(user_factory)
    response = await client.post(
        "/v1/admin/segments",
        json={"name": "x", "filter": {"all": [{"field": "locale", "op": "gt", "value": "en"}]}},
        headers=marketer.headers,
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["filter.all.0.op"]


async def test_learners_cannot_define_segments(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    learner = await user_factory()
    response = await client.post(
        "/v1/admin/segments", json={"name": "x", "filter": {}}, headers=learner.headers
    )
    assert response.status_code == 403


async def test_preview_counts_and_samples_the_segment(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    marketer = await marketer_of(user_factory)
    new_en = [await user_factory(locale="en") for _ in range(3)]
    await user_factory(locale="en", created_days_ago=300)  # growing
    await user_factory(locale="zh-CN")
    assessed = await user_factory(locale="en", risk_profile="C3")
    segment_id = await make_segment(
        client,
        marketer,
        {
            "all": [
                {"field": "locale", "op": "eq", "value": "en"},
                {"field": "lifecycle_stage", "op": "eq", "value": "new"},
                {"not": {"field": "risk_profile", "op": "in", "value": ["C3", "C4"]}},
            ]
        },
    )
    response = await client.get(
        f"/v1/admin/segments/{segment_id}/preview", headers=marketer.headers
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["count"] == 3
    assert {m["user_id"] for m in preview["sample"]} == {str(u.id) for u in new_en}
    assert str(assessed.id) not in {m["user_id"] for m in preview["sample"]}
    assert set(preview["sample"][0]) == {"user_id", "display_name"}
    async with sessionmaker() as db:
        actions = (await db.scalars(sa.select(col(AuditLog.action)))).all()
    assert "segment.create" in actions


async def test_points_balance_and_level_conditions_read_the_ledger(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    marketer = await marketer_of(user_factory)
    rich, poor = await user_factory(), await user_factory()
    await funder_for(sessionmaker, clock)(rich.id, 800)
    segment_id = await make_segment(
        client, marketer, {"field": "points_balance", "op": "gte", "value": 500}
    )
    preview = (
        await client.get(f"/v1/admin/segments/{segment_id}/preview", headers=marketer.headers)
    ).json()
    assert [m["user_id"] for m in preview["sample"]] == [str(rich.id)]
    assert str(poor.id) not in str(preview)


async def test_an_unknown_segment_is_404(client: AsyncClient, user_factory: UserFactory) -> None:
    marketer = await marketer_of(user_factory)
    response = await client.get(
        "/v1/admin/segments/0190a1b2-0000-7000-8000-000000000001/preview",
        headers=marketer.headers,
    )
    assert response.status_code == 404
