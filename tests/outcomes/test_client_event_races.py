"""A hundred deliveries of one client event at once, committed for real: all answered 202,
one row, one activity event."""

import asyncio

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.factories import UserFactory
from tests.helpers import PartnerKey
from tests.outcomes.helpers import events_of, partner
from tests.outcomes.test_client_events import event, reference_of

__all__ = ["partner"]  # fixtures used by name
pytestmark = pytest.mark.committing


async def test_a_hundred_deliveries_of_one_event_record_it_once(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    partner: PartnerKey,
) -> None:
    learner = await user_factory()
    ref = await reference_of(sessionmaker, partner.id, learner.id)
    url = f"/v1/partner/clients/{ref}/events"
    body = event(clock.now(), event_id="race-1", type="first_trade")
    answers = await asyncio.gather(
        *(client.post(url, json=body, headers=partner.headers) for _ in range(100))
    )
    assert {answer.status_code for answer in answers} == {202}
    async with sessionmaker() as db:
        rows = await db.scalar(sa.text("SELECT count(*) FROM partner_client_event"))
    assert rows == 1
    assert await events_of(sessionmaker, learner.id, "broker_first_trade") == [
        ("broker_first_trade", None)
    ]
