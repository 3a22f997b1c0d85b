"""The test harness itself: plain tests write inside a rolled-back transaction, tests marked
`committing` commit for real through the same fixtures."""

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.accounts.models import UserAccount
from tests.factories import UserFactory


async def accounts_seen_from_another_connection(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(sa.select(sa.func.count()).select_from(UserAccount))
    return int(count or 0)


async def test_a_plain_tests_commits_stay_in_its_own_transaction(
    user_factory: UserFactory, engine: AsyncEngine
) -> None:
    await user_factory()
    assert await accounts_seen_from_another_connection(engine) == 0


@pytest.mark.committing
async def test_a_committing_tests_commits_are_seen_by_other_connections(
    user_factory: UserFactory, engine: AsyncEngine
) -> None:
    await user_factory()
    assert await accounts_seen_from_another_connection(engine) == 1
