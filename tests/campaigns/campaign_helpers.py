"""Making segments and campaigns through the API, and ticking the campaign job."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
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


async def bulk_learners(
    sessionmaker: async_sessionmaker[AsyncSession],
    count: int,
    *,
    created_at: datetime,
    locale: str = "zh-CN",
    timezone: str = "Asia/Shanghai",
) -> list[uuid.UUID]:
    """`count` learners in one statement (no sessions: they are only targeted, never log in)."""
    async with sessionmaker.begin() as db:
        rows = await db.execute(
            sa.text(
                "INSERT INTO user_account (id, email, password_hash, display_name, locale, "
                "timezone, roles, public_boards, password_changed_at, created_at) "
                "SELECT uuid_v7(), 'bulk-' || gen_random_uuid() || '@example.com', 'x', "
                "'learner ' || n, :locale, :timezone, ARRAY['learner'], true, :at, :at "
                "FROM generate_series(1, :count) AS n RETURNING id"
            ),
            {"count": count, "locale": locale, "timezone": timezone, "at": created_at},
        )
        return sorted(row.id for row in rows)


async def points_paid(
    sessionmaker: async_sessionmaker[AsyncSession], campaign_id: str
) -> dict[uuid.UUID, int]:
    """Per user, how many ledger transactions the campaign's runs posted (by reference)."""
    async with sessionmaker() as db:
        rows = await db.execute(
            sa.text(
                "SELECT e.reference, count(*) AS n FROM ledger_transaction e "
                "JOIN campaign_run r ON e.reference LIKE 'campaign:' || r.id || ':%' "
                "WHERE r.campaign_id = :id GROUP BY e.reference"
            ),
            {"id": campaign_id},
        )
        return {uuid.UUID(row.reference.rsplit(":", 1)[1]): row.n for row in rows}
