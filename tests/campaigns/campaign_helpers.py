"""Making segments and campaigns through the API, and ticking the campaign job."""

from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.campaigns.jobs import tick_context
from api.jobs import JobContext
from api.settings import Settings
from core.clock import FrozenClock
from gamification.campaigns.tick import TickSummary, tick_campaigns
from tests.factories import TestUser, UserFactory

EVERYONE = {"field": "registered_at", "op": "gte", "value": "2000-01-01"}
GRANT = {
    "type": "grant_points",
    "points": 50,
    "reason": {"zh-CN": "新春红包", "en": "New Year gift"},
}
MESSAGE = {
    "type": "message",
    "title": {"zh-CN": "你好 {display_name}", "en": "Hello {display_name}"},
    "body": {"zh-CN": "你有 {points_balance} 积分", "en": "You have {points_balance} points"},
    "link": {"kind": "course", "id": "risk-basics"},
}


async def marketer_of(user_factory: UserFactory) -> TestUser:
    return await user_factory(roles=["marketer"], created_days_ago=400)


async def make_segment(
    client: AsyncClient, marketer: TestUser, filter_: dict[str, Any] | None = None
) -> str:
    response = await client.post(
        "/v1/admin/segments",
        json={"name": "test segment", "filter": filter_ or EVERYONE},
        headers=marketer.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def make_campaign(
    client: AsyncClient, marketer: TestUser, segment_id: str, **body: Any
) -> dict[str, Any]:
    payload = {
        "name": "test campaign",
        "segment_id": segment_id,
        "action": GRANT,
        "schedule": {"timezone": "Asia/Shanghai", "at": "2026-03-02T01:30:00Z"},
        **body,
    }
    response = await client.post("/v1/admin/campaigns", json=payload, headers=marketer.headers)
    assert response.status_code == 201, response.text
    campaign: dict[str, Any] = response.json()
    return campaign


def job_context(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, settings: Settings
) -> JobContext:
    return JobContext(sessionmaker, clock, settings)


async def tick(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, settings: Settings
) -> TickSummary:
    ctx = job_context(sessionmaker, clock, settings)
    return await tick_campaigns(sessionmaker, tick_context(ctx))


async def runs_of(
    client: AsyncClient, marketer: TestUser, campaign_id: str
) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/admin/campaigns/{campaign_id}/runs", headers=marketer.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
