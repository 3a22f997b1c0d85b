"""The export carries the learner's engagement: counters, quests, badges, league weeks; the
erasure removes all of it, and the streak with its pause."""

import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.engagement.privacy import ERASED
from gamification.engagement.service import Payout, record_event
from gamification.leagues.closing import close_week
from gamification.rewards.service import award_for_events
from gamification.rewards.streak_extras import pause_streak
from tests.engagement.conftest import LoadCatalogue
from tests.engagement.test_outbox import defer_in
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


async def test_erasure_removes_the_engagement_and_the_streak_and_keeps_the_payments(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    learner, other = await user_factory(), await user_factory()
    async with sessionmaker.begin() as db:
        for user in (learner, other):
            await award_for_events(
                db,
                user_id=user.id,
                timezone="Asia/Shanghai",
                events=[lesson_done(user.id, NOON)],
                now=NOON,
            )
            await record_event(
                db,
                user_id=user.id,
                kind="post_read",
                reference="post:1",
                timezone="Asia/Shanghai",
                now=NOON,
                payout=Payout(500, 365, "Asia/Shanghai"),
            )
            await defer_in(db, user.id, "voucher:1")  # a redemption not yet counted
        await pause_streak(
            db,
            user_id=learner.id,
            timezone="Asia/Shanghai",
            business_timezone="Asia/Shanghai",
            days=3,
            now=NOON,
        )
        await close_week(db, week=date(2026, 3, 2), now=NOON + timedelta(days=7), lot_days=365)
    before = await rows_by_table(sessionmaker, learner.id)
    assert all(before[str(model.__tablename__)] for model in ERASED)
    assert (await client.delete("/v1/me", headers=learner.headers)).status_code == 204
    left = await rows_by_table(sessionmaker, learner.id)
    assert {table: count for table, count in left.items() if count} == {
        "ledger_account": 2  # the points and XP paid stay in the books
    }
    assert all((await rows_by_table(sessionmaker, other.id)).values())


async def rows_by_table(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID
) -> dict[str, int]:
    """How many rows of each engagement table, the streak's and the ledger's accounts are the
    user's."""
    tables = [str(model.__tablename__) for model in ERASED]
    async with sessionmaker() as db:
        return {
            table: int(
                await db.scalar(
                    sa.text(f"SELECT count(*) FROM {table} WHERE user_id = :u"), {"u": user_id}
                )
                or 0
            )
            for table in [*tables, "reward_streak", "reward_daily_points", "ledger_account"]
        }
