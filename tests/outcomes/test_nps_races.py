"""A hundred answers to the NPS survey from one learner at once, committed for real: exactly
one is stored (201), every other is 409, and one event is written."""

import asyncio

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import UserFactory
from tests.outcomes.helpers import events_of

pytestmark = pytest.mark.committing


async def test_a_hundred_answers_at_once_store_one(
    client: AsyncClient, user_factory: UserFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    learner = await user_factory()
    answers = await asyncio.gather(
        *(
            client.post("/v1/me/surveys/nps", json={"score": n % 11}, headers=learner.headers)
            for n in range(100)
        )
    )
    assert sorted(answer.status_code for answer in answers) == [201] + [409] * 99
    async with sessionmaker() as db:
        stored = await db.scalar(
            sa.text("SELECT count(*) FROM nps_response WHERE user_id = :u"), {"u": learner.id}
        )
    assert stored == 1
    assert len(await events_of(sessionmaker, learner.id, "nps_answered")) == 1
