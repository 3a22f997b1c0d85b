"""When the app should ask the NPS survey (`GET /v1/me/surveys/nps`): after a milestone (a course
completed, a voucher bought with points, a contest entered finished) reached since the last
answer, and never within 90 days of it."""

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.settings import Settings
from core.clock import FrozenClock
from tests.contests.standings_data import contest, entry
from tests.contests.trading_helpers import at
from tests.factories import UserFactory
from tests.outcomes.test_learning_effect import complete_course

NPS = "/v1/me/surveys/nps"


async def test_the_survey_is_due_after_a_milestone_and_not_within_90_days_of_an_answer(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    settings: Settings,
) -> None:
    learner = await user_factory()
    first = await client.get(NPS, headers=learner.headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"due": False, "next_allowed_at": None}  # no milestone yet
    async with sessionmaker.begin() as db:
        await complete_course(db, learner.id, clock.now() - timedelta(hours=1))
    assert (await client.get(NPS, headers=learner.headers)).json()["due"] is True
    assert (await client.post(NPS, json={"score": 8}, headers=learner.headers)).status_code == 201
    assert (await client.get(NPS, headers=learner.headers)).json() == {
        "due": False,
        "next_allowed_at": "2026-05-31T01:30:00.000Z",
    }
    clock.advance(timedelta(days=91))
    learner = at(learner, settings, clock.now())
    # The interval is over, but nothing new happened since the answer.
    assert (await client.get(NPS, headers=learner.headers)).json() == {
        "due": False,
        "next_allowed_at": None,
    }
    now = clock.now()
    async with sessionmaker.begin() as db:
        running = await contest(
            db,
            now,
            starts_at=now - timedelta(days=5),
            ends_at=now + timedelta(days=5),
            registration_ends_at=now + timedelta(days=5),
        )
        await entry(db, running, learner.id, joined_at=now - timedelta(days=5))
    assert (await client.get(NPS, headers=learner.headers)).json()["due"] is False  # not over
    clock.advance(timedelta(days=6))
    learner = at(learner, settings, clock.now())
    assert (await client.get(NPS, headers=learner.headers)).json()["due"] is True


async def test_the_survey_read_needs_a_signed_in_caller(client: AsyncClient) -> None:
    response = await client.get(NPS)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
