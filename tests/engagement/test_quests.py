"""Quests: drawn the same way every time, counted on the learner's days, paid once within the
daily cap under the reference `quest:{date}:{quest}:{user}`."""

import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from courses.events import LearningEvent
from gamification.ledger.models import LedgerTransaction
from gamification.ledger.queries import balances
from gamification.quests.catalogue import Quest
from gamification.quests.draw import Periods, draw
from gamification.rewards.caps import points_earned_on
from gamification.rewards.models import ALL_RULES
from gamification.rewards.service import QUEST_REWARD, Reward, RewardPolicy, award_for_events
from tests.engagement.catalogue import QUESTS
from tests.engagement.conftest import LoadCatalogue
from tests.factories import UserFactory
from tests.helpers import lesson_done, quiz_perfect

NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # Monday 12:00 in Shanghai


async def award(
    db: AsyncSession,
    user_id: uuid.UUID,
    *events: LearningEvent,
    at: datetime = NOON,
    policy: RewardPolicy | None = None,
) -> list[Reward]:
    rewards, _ = await award_for_events(
        db,
        user_id=user_id,
        timezone="Asia/Shanghai",
        events=events,
        now=at,
        policy=policy or RewardPolicy(),
    )
    return rewards


def quest_rewards(rewards: list[Reward]) -> list[tuple[str, int, int]]:
    return sorted(
        (str(r.reason["quest"]), r.points, r.xp) for r in rewards if r.kind == QUEST_REWARD
    )


def _pool(daily: int) -> list[Quest]:
    text = {"zh-CN": "任务", "en": "Quest"}
    return [Quest(f"d{i}", "daily", "lessons_completed", 1, 1, 1, text) for i in range(daily)] + [
        Quest("w0", "weekly", "lessons_completed", 1, 1, 1, text),
        Quest("w1", "weekly", "streak_kept", 1, 1, 1, text),
        Quest("spring", "monthly", "lessons_completed", 1, 1, 1, text, (1, 2), "b"),
        Quest("any", "monthly", "lessons_completed", 1, 1, 1, text, None, "b"),
    ]


def test_the_draw_is_the_same_for_a_learner_and_day_and_varies_between_learners() -> None:
    pool, day = _pool(10), Periods(date(2026, 3, 2))
    learner = uuid.UUID(int=7)
    first = draw(pool, learner, day)
    assert all(draw(list(reversed(pool)), learner, day) == first for _ in range(5))
    assert len({q.id for q in first.daily}) == 3
    others = {tuple(q.id for q in draw(pool, uuid.UUID(int=n), day).daily) for n in range(50)}
    assert len(others) > 10
    next_days = {
        tuple(q.id for q in draw(pool, learner, Periods(date(2026, 3, d))).daily)
        for d in range(3, 9)
    }
    assert len(next_days) > 1


def test_the_month_challenge_is_the_themed_one_in_its_months_else_the_general_one() -> None:
    pool = _pool(3)
    assert draw(pool, uuid.uuid4(), Periods(date(2026, 2, 10))).monthly.id == "spring"  # type: ignore[union-attr]
    assert draw(pool, uuid.uuid4(), Periods(date(2026, 3, 10))).monthly.id == "any"  # type: ignore[union-attr]


async def test_a_first_lesson_completes_the_lesson_and_streak_quests_once(
    db: AsyncSession, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learner = await user_factory()
    rewards = await award(db, learner.id, lesson_done(learner.id, NOON))
    assert quest_rewards(rewards) == [("daily-keep-streak", 10, 5), ("daily-one-lesson", 10, 5)]
    again = await award(db, learner.id, lesson_done(learner.id, NOON + timedelta(minutes=5)))
    assert quest_rewards(again) == []
    references = set(
        await db.scalars(
            sa.select(col(LedgerTransaction.reference)).where(
                col(LedgerTransaction.reference).like("quest:%")
            )
        )
    )
    assert references == {
        f"quest:2026-03-02:daily-one-lesson:{learner.id}",
        f"quest:2026-03-02:daily-keep-streak:{learner.id}",
    }
    wallet = await balances(db, learner.id, now=NOON)
    assert (wallet.points, wallet.xp) == (10 + 10 + 10 + 10, 20 + 20 + 5 + 5)


async def test_weekly_and_monthly_quests_count_the_days_of_their_period(
    db: AsyncSession, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learner = await user_factory()
    paid: list[tuple[str, int, int]] = []
    for day in range(5):  # Monday 2 March to Friday 6 March, one lesson a day
        at = NOON + timedelta(days=day)
        paid += quest_rewards(await award(db, learner.id, lesson_done(learner.id, at), at=at))
    assert ("weekly-three-lessons", 50, 30) in paid
    assert ("monthly-five-lessons", 100, 50) in paid
    assert sum(q == "daily-one-lesson" for q, _, _ in paid) == 5
    badges = await db.scalars(
        sa.text("SELECT badge_id FROM badge_award WHERE user_id = :u"), {"u": learner.id}
    )
    assert "month-badge" in set(badges)


async def test_a_quest_is_paid_within_the_daily_points_cap(
    db: AsyncSession, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learner = await user_factory()
    rewards = await award(
        db, learner.id, lesson_done(learner.id, NOON), policy=RewardPolicy(daily_points_cap=15)
    )
    assert sum(r.points for r in rewards) == 15
    capped = [r for r in rewards if r.kind == QUEST_REWARD and "capped_from" in r.reason]
    assert capped
    assert (
        await points_earned_on(db, user_id=learner.id, day=date(2026, 3, 2), scope=ALL_RULES) == 15
    )


async def test_my_quests_show_progress_completion_and_the_month_badge(
    client: AsyncClient,
    db: AsyncSession,
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    learner = await user_factory()
    await award(
        db, learner.id, lesson_done(learner.id, NOON), quiz_perfect(learner.id, NOON, uuid.uuid4())
    )
    await db.commit()
    response = await client.get(
        "/v1/me/quests", headers={**learner.headers, "Accept-Language": "en"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == "2026-03-02"
    daily = {q["id"]: (q["progress"], q["target"], q["completed"]) for q in body["daily"]}
    assert daily == {
        "daily-one-lesson": (1, 1, True),
        "daily-perfect-quiz": (1, 1, True),
        "daily-keep-streak": (1, 1, True),
    }
    assert body["weekly"]["progress"] == 1
    assert not body["weekly"]["completed"]
    assert body["monthly"]["badge_id"] == "month-badge"
    assert body["monthly"]["title"] == "5 lessons this month"
    assert {q["kind"] for q in body["daily"]} == {
        "lessons_completed",
        "quiz_perfect",
        "streak_kept",
    }
    assert [q.id for q in QUESTS if q.cadence == "weekly"] == [body["weekly"]["id"]]
