"""The export carries the learner's engagement: counters, quests, badges, league weeks."""

from datetime import UTC, datetime

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gamification.rewards.service import award_for_events
from tests.engagement.conftest import LoadCatalogue
from tests.factories import UserFactory
from tests.helpers import lesson_done

NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


async def test_the_export_lists_counters_quests_badges_and_league_weeks(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    learner = await user_factory()
    async with sessionmaker.begin() as db:
        await award_for_events(
            db,
            user_id=learner.id,
            timezone="Asia/Shanghai",
            events=[lesson_done(learner.id, NOON)],
            now=NOON,
        )
    response = await client.get("/v1/me/export", headers=learner.headers)
    assert response.status_code == 200
    engagement = response.json()["engagement"]
    assert {"kind": "lessons_completed", "value": 1} in engagement["counters"]
    assert {q["quest_id"] for q in engagement["quests_completed"]} == {
        "daily-one-lesson",
        "daily-keep-streak",
    }
    assert [b["badge_id"] for b in engagement["badges"]] == ["first-lesson"]
    assert [(w["week_start"], w["xp"]) for w in engagement["league_weeks"]] == [("2026-03-02", 30)]
    assert engagement["league_results"] == []
