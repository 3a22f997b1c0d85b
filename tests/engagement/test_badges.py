"""Badges: each criterion awards its badge once, in the event's transaction; the backfill
evaluates the catalogue for existing learners and running it again changes nothing."""

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from courses.events import LearningEvent
from gamification.badges.history import counters_from_records
from gamification.badges.service import backfill_chunk
from gamification.engagement.service import Payout, record_event
from gamification.rewards.rules import RewardEvent
from gamification.rewards.service import award_for_events
from tests.engagement.conftest import LoadCatalogue
from tests.factories import UserFactory
from tests.helpers import course_done, lesson_done, quiz_perfect

NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
PAYOUT = Payout(daily_points_cap=500, lot_days=365, business_timezone="Asia/Shanghai")


async def award(
    db: AsyncSession, user_id: uuid.UUID, *events: LearningEvent | RewardEvent, at: datetime = NOON
) -> None:
    await award_for_events(db, user_id=user_id, timezone="Asia/Shanghai", events=events, now=at)


async def earned(db: AsyncSession, user_id: uuid.UUID) -> set[str]:
    rows = await db.scalars(
        sa.text("SELECT badge_id FROM badge_award WHERE user_id = :user_id"), {"user_id": user_id}
    )
    return set(rows)


def contest(kind: str, user_id: uuid.UUID, **details: int) -> RewardEvent:
    return RewardEvent(kind, user_id, f"contest:{uuid.uuid4()}", NOON, details)


async def test_lifetime_criteria_award_their_badge_when_first_met(
    db: AsyncSession, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learner = await user_factory()
    await award(db, learner.id, lesson_done(learner.id, NOON))
    assert await earned(db, learner.id) == {"first-lesson"}
    await award(db, learner.id, quiz_perfect(learner.id, NOON, uuid.uuid4()))
    assert "perfect-2" not in await earned(db, learner.id)
    await award(db, learner.id, quiz_perfect(learner.id, NOON, uuid.uuid4()))
    await award(db, learner.id, course_done(learner.id, NOON))
    assert {"perfect-2", "course-1"} <= await earned(db, learner.id)


async def test_contest_criteria_count_finishing_and_the_top_ten_percent_only(
    db: AsyncSession, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learner, other = await user_factory(), await user_factory()
    await award(db, learner.id, contest("contest_finished", learner.id, rank=3, entrants=30))
    await award(db, other.id, contest("contest_finished", other.id, rank=4, entrants=30))
    assert await earned(db, learner.id) == {"finisher", "top-decile"}
    assert await earned(db, other.id) == {"finisher"}


async def test_a_windowed_criterion_counts_only_the_last_days(
    db: AsyncSession, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learner = await user_factory()
    for day in (0, 8, 9):  # three lessons, but never three within 7 days
        at = NOON + timedelta(days=day)
        await award(db, learner.id, lesson_done(learner.id, at), at=at)
    assert "three-in-week" not in await earned(db, learner.id)
    at = NOON + timedelta(days=10)
    await award(db, learner.id, lesson_done(learner.id, at), at=at)
    assert "three-in-week" in await earned(db, learner.id)


async def test_the_longest_streak_criterion_follows_the_streak(
    db: AsyncSession, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learner = await user_factory()
    for day in range(3):
        at = NOON + timedelta(days=day)
        await award(db, learner.id, lesson_done(learner.id, at), at=at)
        assert ("streak-3" in await earned(db, learner.id)) is (day == 2)


async def test_reported_events_count_once_per_reference(
    db: AsyncSession, user_factory: UserFactory, load_catalogue: LoadCatalogue
) -> None:
    await load_catalogue()
    learner = await user_factory()
    for _ in range(2):
        await record_event(
            db,
            user_id=learner.id,
            kind="vouchers_redeemed",
            reference="voucher:1",
            timezone=None,
            now=NOON,
            payout=PAYOUT,
        )
    await award(db, learner.id, RewardEvent("post_published", learner.id, "post:1", NOON))
    assert await earned(db, learner.id) == {"redeemer", "poster"}
    value = await db.scalar(
        sa.text(
            "SELECT value FROM engagement_counter WHERE user_id = :u AND kind = 'vouchers_redeemed'"
        ),
        {"u": learner.id},
    )
    assert value == 1


async def test_backfill_awards_from_the_records_and_twice_gives_the_same_badges(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    learner = await user_factory()
    async with sessionmaker.begin() as db:  # before the catalogue: nothing to award yet
        await award(db, learner.id, lesson_done(learner.id, NOON))
    await load_catalogue()
    results = []
    for _ in range(2):
        async with sessionmaker.begin() as db:
            await counters_from_records(db)
            chunk = await backfill_chunk(
                db, after=uuid.UUID(int=0), size=1000, today=NOON.date(), now=NOON
            )
            results.append((chunk.awarded, await earned(db, learner.id)))
    assert results == [(1, {"first-lesson"}), (0, {"first-lesson"})]


async def test_my_badges_list_earned_and_available_with_progress(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    learner = await user_factory()
    async with sessionmaker.begin() as db:
        await award(db, learner.id, lesson_done(learner.id, NOON))
    response = await client.get(
        "/v1/me/badges", headers={**learner.headers, "Accept-Language": "en"}
    )
    assert response.status_code == 200
    body = response.json()
    assert [(b["id"], b["name"], b["tier"]) for b in body["earned"]] == [
        ("first-lesson", "First", "bronze")
    ]
    assert body["earned"][0]["earned_at"].endswith(".000Z")
    available = {b["id"]: (b["progress"], b["target"]) for b in body["available"]}
    assert available["three-in-week"] == (1, 3)
    assert available["streak-3"] == (1, 3)
    assert available["month-badge"] == (0, 1)
    assert "first-lesson" not in available
