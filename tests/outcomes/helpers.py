"""Outcomes test helpers: a user's activity events as written, and a partner with its key."""

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.accounts.partners import create_partner
from core.clock import FrozenClock
from tests.helpers import PartnerKey

Event = tuple[str, str | None]


async def events_of(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID, *kinds: str
) -> list[Event]:
    """(kind, detail) of the user's activity events, oldest first; only `kinds` if given."""
    async with sessionmaker() as db:
        rows = await db.execute(
            sa.text(
                "SELECT kind, detail FROM activity_event WHERE user_id = :user_id "
                "AND (cardinality(CAST(:kinds AS text[])) = 0 OR kind = ANY(:kinds)) "
                "ORDER BY occurred_at, id"
            ),
            {"user_id": user_id, "kinds": list(kinds)},
        )
        return [(kind, detail) for kind, detail in rows]


@pytest.fixture
async def partner(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> PartnerKey:
    async with sessionmaker.begin() as db:
        row, key = await create_partner(db, clock, name=f"broker-{uuid.uuid4().hex[:6]}")
    return PartnerKey(row.id, key)
