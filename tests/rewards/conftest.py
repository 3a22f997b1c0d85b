"""Reward rules loaded from the seed file (tests.helpers)."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.helpers import LoadRules, rules_loader


@pytest.fixture
def load_rules(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> LoadRules:
    return rules_loader(sessionmaker, clock)
