"""Real commits from many transactions at once: cohorts never pass 30, a quest pays once, and
two week closes at once make one set of moves and prizes."""

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gamification.leagues.closing import close_past_weeks
from gamification.leagues.service import add_league_xp
from gamification.ledger.reconcile import check_ledger
from gamification.rewards.service import QUEST_REWARD, Reward, award_for_events
from tests.engagement.catalogue import align_league_places
from tests.engagement.conftest import LoadCatalogue
from tests.factories import UserFactory
from tests.helpers import lesson_done

pytestmark = pytest.mark.committing

Sessions = async_sessionmaker[AsyncSession]
MONDAY = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


async def complete_lesson(sessions: Sessions, user_id: object, at: datetime) -> list[Reward]:
    async with sessions.begin() as db:
        rewards, _ = await award_for_events(
            db,
            user_id=user_id,  # type: ignore[arg-type]
            timezone="Asia/Shanghai",
            events=[lesson_done(user_id, at)],  # type: ignore[arg-type]
            now=at,
        )
    return rewards


async def test_five_hundred_first_xp_events_at_once_fill_cohorts_of_at_most_thirty(
    sessionmaker: Sessions, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learners = [await user_factory() for _ in range(500)]
    pool = asyncio.Semaphore(20)  # as many transactions at once as the pool has connections

    async def first_xp(learner_id: object) -> None:
        async with pool:
            await complete_lesson(sessionmaker, learner_id, MONDAY)

    await asyncio.gather(*(first_xp(learner.id) for learner in learners))
    async with sessionmaker() as db:
        sizes = list(
            await db.scalars(
                sa.text("SELECT count(*) FROM league_member GROUP BY cohort_id ORDER BY 1 DESC")
            )
        )
        members = await db.execute(
            sa.text("SELECT user_id, count(*) AS n FROM league_member GROUP BY user_id")
        )
        per_learner = {row.user_id: row.n for row in members}
        assert await check_ledger(db) == []
    assert max(sizes) <= 30
    assert sum(sizes) == 500
    # Filled in arrival order: only the first (after earlier weeks' places) and the last
    # cohort can be partly empty.
    assert len(sizes) <= 18
    assert per_learner == {learner.id: 1 for learner in learners}


async def test_a_quest_completes_once_under_concurrent_events(
    sessionmaker: Sessions, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learner = await user_factory()
    results = await asyncio.gather(
        *(complete_lesson(sessionmaker, learner.id, MONDAY) for _ in range(30))
    )
    quests = sorted(
        str(r.reason["quest"]) for rewards in results for r in rewards if r.kind == QUEST_REWARD
    )
    assert quests == [
        "daily-keep-streak",
        "daily-one-lesson",
        "monthly-five-lessons",
        "weekly-three-lessons",
    ]
    async with sessionmaker() as db:
        paid = await db.scalar(
            sa.text("SELECT count(*) FROM ledger_transaction WHERE reference LIKE 'quest:%'")
        )
        assert paid == 4
        assert await check_ledger(db) == []


async def test_two_week_closes_at_once_make_one_set_of_moves_and_prizes(
    sessionmaker: Sessions, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learners = [await user_factory() for _ in range(90)]
    async with sessionmaker.begin() as db:
        await align_league_places(db)
        for place, learner in enumerate(learners):
            await add_league_xp(
                db,
                user_id=learner.id,
                xp=10_000 - place,
                now=MONDAY + timedelta(seconds=place),
                business_timezone="Asia/Shanghai",
            )
    closes = await asyncio.gather(
        *(
            close_past_weeks(
                sessionmaker,
                current_week=date(2026, 3, 9),
                now=datetime(2026, 3, 9, 0, 0, tzinfo=UTC),
                lot_days=365,
            )
            for _ in range(2)
        )
    )
    assert sorted(close.weeks for close in closes) == [0, 1]  # one claimed the week
    assert sum(close.members for close in closes) == 90
    assert sum(close.prizes for close in closes) == 9  # three leaders in each of 3 cohorts
    async with sessionmaker() as db:
        results = await db.scalar(sa.text("SELECT count(*) FROM league_result"))
        promoted = await db.scalar(sa.text("SELECT count(*) FROM league_player WHERE tier = 1"))
        prizes = await db.scalar(
            sa.text("SELECT count(*) FROM ledger_transaction WHERE reference LIKE 'league:%'")
        )
        assert await check_ledger(db) == []
    assert (results, promoted, prizes) == (90, 21, 9)
