"""Migration 0049 in SQL: `engagement_record` no longer tries quests completed for their period
or badges already held; what a batch changes is still counted, awarded and paid, once."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import FrozenClock
from tests.engagement.catalogue import align_league_places, save_catalogue
from tests.factories import UserFactory

NOON = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # a Wednesday, noon in Shanghai
DAY = NOON.date()
# A lesson completed on a day counted for the streak, whose longest run is `longest`.
LESSON = sa.text(
    "SELECT quest_id, points FROM engagement_record(:user_id, "
    "ARRAY['lessons_completed', 'streak_kept'], ARRAY[1, 1], ARRAY['streak_kept'], "
    "ARRAY['lessons_completed', 'longest_streak'], ARRAY[1, :longest]::bigint[], "
    "ARRAY['longest_streak'], ARRAY['lessons_completed', 'longest_streak', 'streak_kept'], "
    ":day, :day, 500, 365, :now, 3, 10, 2, 30)"
)


async def lesson(db: AsyncSession, user_id: uuid.UUID, longest: int) -> list[tuple[str, int]]:
    params = {"user_id": user_id, "longest": longest, "day": DAY, "now": NOON}
    return [(row.quest_id, row.points) for row in await db.execute(LESSON, params)]


async def counters(db: AsyncSession, user_id: uuid.UUID) -> dict[str, int]:
    rows = await db.execute(
        sa.text(
            "SELECT kind, value FROM engagement_counter WHERE user_id = :u UNION ALL "
            "SELECT 'day:' || kind, count FROM engagement_day_count WHERE user_id = :u"
        ),
        {"u": user_id},
    )
    return {row.kind: int(row.value) for row in rows}


async def test_later_lessons_pay_and_award_only_what_they_newly_reach(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    await save_catalogue(db, clock)
    await align_league_places(db)
    user = await user_factory()
    first = await lesson(db, user.id, longest=1)
    assert sorted(first) == [("daily-keep-streak", 10), ("daily-one-lesson", 10)]
    assert await lesson(db, user.id, longest=1) == []  # both daily quests were paid already
    assert await lesson(db, user.id, longest=3) == [("weekly-three-lessons", 50)]
    assert await counters(db, user.id) == {
        "lessons_completed": 3,
        "longest_streak": 3,
        "day:lessons_completed": 3,
        "day:streak_kept": 1,
    }
    awarded = await db.execute(
        sa.text("SELECT badge_id FROM badge_award WHERE user_id = :u ORDER BY 1"),
        {"u": user.id},
    )
    assert [row.badge_id for row in awarded] == ["first-lesson", "streak-3", "three-in-week"]
    paid = await db.scalar(
        sa.text("SELECT count(*) FROM quest_completion WHERE user_id = :u"), {"u": user.id}
    )
    assert paid == 3
    xp = await db.scalar(sa.text("SELECT xp FROM league_member WHERE user_id = :u"), {"u": user.id})
    assert xp == 3 * 10 + 5 + 5 + 30  # the lessons' XP, then the three quests'
