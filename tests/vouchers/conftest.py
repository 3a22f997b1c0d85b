"""Voucher products, funded learners and a partner key, made in code (tests.helpers)."""

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.accounts.partners import create_partner
from core.clock import FrozenClock
from tests.helpers import Funder, PartnerKey, ProductFactory, funder_for, product_factory_for


@pytest.fixture
def product_factory(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> ProductFactory:
    return product_factory_for(sessionmaker, clock)


@pytest.fixture
def fund(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Funder:
    return funder_for(sessionmaker, clock)


@pytest.fixture
async def partner(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> PartnerKey:
    async with sessionmaker.begin() as db:
        row, key = await create_partner(db, clock, name=f"broker-{uuid.uuid4().hex[:6]}")
    return PartnerKey(row.id, key)
