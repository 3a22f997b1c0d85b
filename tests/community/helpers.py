"""Community test helpers: members old enough to post at once, a moderator, posting and
reading over HTTP, and the reward rules loaded."""

from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.contests.trading_helpers import add_market
from tests.factories import TestUser, UserFactory
from tests.helpers import rules_loader

SEASONED_DAYS = 30  # older than COMMUNITY_NEW_ACCOUNT_HOLD_HOURS: posts publish at once


async def member(user_factory: UserFactory, **options: Any) -> TestUser:
    return await user_factory(created_days_ago=options.pop("created_days_ago", SEASONED_DAYS))


@pytest.fixture
async def community(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> None:
    """The seed's reward rules and a small market (600519.SH and three more)."""
    await rules_loader(sessionmaker, clock)()
    async with sessionmaker.begin() as db:
        await add_market(db, clock.now())


async def write(
    client: AsyncClient,
    user: TestUser,
    body: str,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> Response:
    return await client.post(
        "/v1/posts", json={"body": body, **fields}, headers={**user.headers, **(headers or {})}
    )


async def published_post(client: AsyncClient, user: TestUser, body: str = "今天学了止损") -> str:
    answer = await write(client, user, body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "published"
    post_id: str = answer.json()["id"]
    return post_id
