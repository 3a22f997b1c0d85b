"""The NPS survey: 201 with when it may be answered again, 409 within 90 days, 422 naming the
field, Idempotency-Key replays, and the export and erasure of the answers."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.settings import Settings
from core.clock import FrozenClock
from tests.contests.trading_helpers import at
from tests.contract.test_timestamps import TIMESTAMP
from tests.factories import UserFactory
from tests.outcomes.helpers import events_of

NPS = "/v1/me/surveys/nps"


async def test_an_answer_is_stored_with_when_the_survey_opens_again(
    client: AsyncClient,
    user_factory: UserFactory,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    learner = await user_factory()
    response = await client.post(
        NPS, json={"score": 9, "comment": "讲得很清楚"}, headers=learner.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "score", "comment", "answered_at", "next_allowed_at"}
    assert (body["score"], body["comment"]) == (9, "讲得很清楚")
    assert body["answered_at"] == "2026-03-02T01:30:00.000Z"
    assert body["next_allowed_at"] == "2026-05-31T01:30:00.000Z"
    assert TIMESTAMP.match(body["next_allowed_at"])
    assert await events_of(sessionmaker, learner.id, "nps_answered") == [("nps_answered", "9")]


async def test_a_second_answer_within_90_days_is_409_and_after_them_201(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock, settings: Settings
) -> None:
    learner = await user_factory()
    assert (await client.post(NPS, json={"score": 3}, headers=learner.headers)).status_code == 201
    clock.advance(timedelta(days=89, hours=23))
    learner = at(learner, settings, clock.now())
    refused = await client.post(NPS, json={"score": 10}, headers=learner.headers)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/nps-answered-recently")
    assert problem["next_allowed_at"] == "2026-05-31T01:30:00.000Z"
    clock.advance(timedelta(hours=1))
    learner = at(learner, settings, clock.now())
    assert (await client.post(NPS, json={"score": 10}, headers=learner.headers)).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": 11}, "score"),
        ({"score": -1}, "score"),
        ({"score": "9"}, "score"),
        ({"score": 7.5}, "score"),
        ({}, "score"),
        ({"score": 8, "comment": "x" * 1001}, "comment"),
        ({"score": 8, "comment": 5}, "comment"),
        ({"score": 8, "mood": "happy"}, "mood"),
    ],
)
async def test_a_bad_answer_is_422_naming_the_field_and_stores_nothing(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    body: dict[str, object],
    field: str,
) -> None:
    learner = await user_factory()
    response = await client.post(NPS, json=body, headers=learner.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json()["errors"]]
    async with sessionmaker() as db:
        assert await db.scalar(sa.text("SELECT count(*) FROM nps_response")) == 0


async def test_the_same_idempotency_key_replays_the_first_answer(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    learner = await user_factory()
    headers = learner.headers | {"Idempotency-Key": uuid.uuid4().hex}
    first = await client.post(NPS, json={"score": 6}, headers=headers)
    again = await client.post(NPS, json={"score": 6}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


async def test_learners_export_their_answers_and_erasure_deletes_them_and_their_events(
    client: AsyncClient, user_factory: UserFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    learner, other = await user_factory(), await user_factory()
    for user in (learner, other):
        await client.post(NPS, json={"score": 2, "comment": "太难"}, headers=user.headers)
    export = (await client.get("/v1/me/export", headers=learner.headers)).json()
    assert [(a["score"], a["comment"]) for a in export["outcomes"]["nps_answers"]] == [(2, "太难")]
    assert export["outcomes"]["broker_events"] == []
    assert (await client.delete("/v1/me", headers=learner.headers)).status_code == 204
    assert await events_of(sessionmaker, learner.id) == []
    async with sessionmaker() as db:
        answers = await db.scalar(
            sa.text("SELECT count(*) FROM nps_response WHERE user_id = :u"), {"u": learner.id}
        )
    assert answers == 0
    assert await events_of(sessionmaker, other.id, "nps_answered") == [("nps_answered", "2")]
