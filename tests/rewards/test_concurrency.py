"""Real commits from many tasks at once: one reward per event, caps exact, books balanced."""

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from core.clock import FrozenClock
from courses.events import LessonCompleted
from gamification.ledger.models import LedgerTransaction
from gamification.ledger.queries import balances
from gamification.ledger.reconcile import check_ledger
from gamification.rewards.caps import points_earned_on
from gamification.rewards.models import ALL_RULES
from gamification.rewards.rules import RewardEvent
from gamification.rewards.service import Reward, RewardPolicy, award_for_events
from tests.factories import UserFactory
from tests.helpers import LoadRules, Publish, bundle_doc, lesson_done

pytestmark = pytest.mark.committing

Sessions = async_sessionmaker[AsyncSession]


async def award_in_own_transaction(
    sessions: Sessions,
    user_id: uuid.UUID,
    events: list[LessonCompleted | RewardEvent],
    now: datetime,
    policy: RewardPolicy | None = None,
) -> list[Reward]:
    async with sessions.begin() as db:
        rewards, _ = await award_for_events(
            db,
            user_id=user_id,
            timezone="Asia/Shanghai",
            events=events,
            now=now,
            policy=policy or RewardPolicy(),
        )
    return rewards


async def books_balance(sessions: Sessions) -> None:
    async with sessions() as db:
        assert await check_ledger(db) == []


async def test_one_hundred_concurrent_completions_of_one_lesson_pay_one_reward(
    client: AsyncClient,
    sessionmaker: Sessions,
    user_factory: UserFactory,
    publish: Publish,
    load_rules: LoadRules,
    clock: FrozenClock,
) -> None:
    await load_rules()
    lessons = await publish(bundle_doc(lessons=2))
    learner = await user_factory()
    url = f"/v1/lessons/{lessons['lesson-0']}"
    assert (await client.get(url, headers=learner.headers)).status_code == 200
    clock.advance(timedelta(minutes=5))  # past the minimum read time
    responses = await asyncio.gather(
        *(client.post(f"{url}/complete", headers=learner.headers) for _ in range(100))
    )
    assert {response.status_code for response in responses} == {200}
    paid = [response.json()["rewards"] for response in responses if response.json()["rewards"]]
    assert [[(r["kind"], r["points"]) for r in rewards] for rewards in paid] == [
        [("lesson_completed", 10)]
    ]
    async with sessionmaker() as db:
        wallet = await balances(db, learner.id, now=clock.now())
        assert (wallet.points, wallet.xp) == (10, 20)
        transactions = await db.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction))
        assert transactions == 1
    await books_balance(sessionmaker)


async def test_a_replayed_event_racing_itself_pays_once_and_leaves_the_cap_untouched(
    sessionmaker: Sessions,
    user_factory: UserFactory,
    load_rules: LoadRules,
    clock: FrozenClock,
) -> None:
    """Past the learning routes' own guard: the same event handed in 30 times at once."""
    await load_rules()
    learner = await user_factory()
    event = lesson_done(learner.id, clock.now())
    results = await asyncio.gather(
        *(
            award_in_own_transaction(sessionmaker, learner.id, [event], clock.now())
            for _ in range(30)
        )
    )
    assert sorted(len(rewards) for rewards in results) == [0] * 29 + [1]
    async with sessionmaker() as db:
        day = clock.now().date()
        assert await points_earned_on(db, user_id=learner.id, day=day, scope=ALL_RULES) == 10
        assert (await balances(db, learner.id, now=clock.now())).points == 10
    await books_balance(sessionmaker)


async def test_two_hundred_learners_earning_at_once_are_all_recorded(
    sessionmaker: Sessions,
    user_factory: UserFactory,
    load_rules: LoadRules,
    clock: FrozenClock,
) -> None:
    await load_rules()
    learners = [await user_factory() for _ in range(200)]
    results = await asyncio.gather(
        *(
            award_in_own_transaction(
                sessionmaker,
                learner.id,
                [lesson_done(learner.id, clock.now())],
                clock.now(),
            )
            for learner in learners
        )
    )
    assert all(
        [(r.kind, r.points) for r in rewards] == [("lesson_completed", 10)] for rewards in results
    )
    async with sessionmaker() as db:
        for learner in learners:
            wallet = await balances(db, learner.id, now=clock.now())
            assert (wallet.points, wallet.xp) == (10, 20)
        earned = await db.scalar(
            sa.select(sa.func.count()).where(col(LedgerTransaction.kind) == "earn")
        )
        assert earned == 200
    await books_balance(sessionmaker)


async def test_concurrent_awards_never_cross_the_daily_cap(
    sessionmaker: Sessions,
    user_factory: UserFactory,
    load_rules: LoadRules,
    clock: FrozenClock,
) -> None:
    """60 lessons at once worth 30 each under a cap of 500: 16 whole awards, one of the
    20 left, and nothing for the rest; XP is not capped."""
    await load_rules(lesson_completed={"points": 30})
    learner = await user_factory()
    results = await asyncio.gather(
        *(
            award_in_own_transaction(
                sessionmaker,
                learner.id,
                [lesson_done(learner.id, clock.now())],
                clock.now(),
                RewardPolicy(daily_points_cap=500),
            )
            for _ in range(60)
        )
    )
    points = sorted((r.points for rewards in results for r in rewards), reverse=True)
    assert points == [30] * 16 + [20] + [0] * 43
    async with sessionmaker() as db:
        wallet = await balances(db, learner.id, now=clock.now())
        assert (wallet.points, wallet.xp) == (500, 60 * 20)
        day = clock.now().date()
        assert await points_earned_on(db, user_id=learner.id, day=day, scope=ALL_RULES) == 500
    await books_balance(sessionmaker)


async def test_concurrent_awards_of_a_capped_rule_stop_at_its_cap(
    sessionmaker: Sessions,
    user_factory: UserFactory,
    load_rules: LoadRules,
    clock: FrozenClock,
) -> None:
    await load_rules(post_published={"points": 10, "daily_cap": 25})
    learner = await user_factory()
    posts = [
        RewardEvent("post_published", learner.id, f"post:{uuid.uuid4()}", clock.now())
        for _ in range(20)
    ]
    results = await asyncio.gather(
        *(award_in_own_transaction(sessionmaker, learner.id, [post], clock.now()) for post in posts)
    )
    assert sorted(r.points for rewards in results for r in rewards) == [0] * 17 + [5, 10, 10]
    async with sessionmaker() as db:
        day = clock.now().date()
        assert await points_earned_on(db, user_id=learner.id, day=day, scope=ALL_RULES) == 25
        assert await points_earned_on(db, user_id=learner.id, day=day, scope="post_published") == 25
    await books_balance(sessionmaker)
