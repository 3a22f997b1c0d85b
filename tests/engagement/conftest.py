"""The test catalogue (tests.engagement.catalogue) and the reward rules, saved for a test."""

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.engagement.catalogue import save_catalogue
from tests.helpers import LoadRules, rules_loader

LoadCatalogue = Callable[[], Awaitable[None]]


@pytest.fixture
def load_catalogue(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> LoadCatalogue:
    """Save the reward rules of the seed and the test engagement catalogue."""

    async def load() -> None:
        await rules_loader(sessionmaker, clock)()
        async with sessionmaker.begin() as db:
            await save_catalogue(db, clock)

    return load


@pytest.fixture
def load_rules(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> LoadRules:
    return rules_loader(sessionmaker, clock)
