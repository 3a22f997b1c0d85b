"""A small, known engagement catalogue for tests: exactly three daily quests (so every learner
draws all three), one weekly, one monthly challenge with its badge, badges over several
counters and three league tiers."""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from gamification.badges.catalogue import BadgeSpec, save_badges
from gamification.leagues.tiers import Tier, save_tiers
from gamification.quests.catalogue import Quest, save_quests


def _text(en: str) -> dict[str, str]:
    return {"zh-CN": f"{en}（中文）", "en": en}


QUESTS = [
    Quest("daily-one-lesson", "daily", "lessons_completed", 1, 10, 5, _text("Finish a lesson")),
    Quest("daily-perfect-quiz", "daily", "quiz_perfect", 1, 20, 10, _text("Perfect quiz")),
    Quest("daily-keep-streak", "daily", "streak_kept", 1, 10, 5, _text("Keep your streak")),
    Quest("weekly-three-lessons", "weekly", "lessons_completed", 3, 50, 30, _text("3 lessons")),
    Quest(
        "monthly-five-lessons",
        "monthly",
        "lessons_completed",
        5,
        100,
        50,
        _text("5 lessons this month"),
        badge_id="month-badge",
    ),
]
BADGES = [
    BadgeSpec(
        "first-lesson", _text("First"), _text("One lesson"), "bronze", "lessons_completed", 1
    ),
    BadgeSpec(
        "three-in-week", _text("Week"), _text("3 in 7 days"), "silver", "lessons_completed", 3, 7
    ),
    BadgeSpec("streak-3", _text("Streak"), _text("3-day streak"), "bronze", "longest_streak", 3),
    BadgeSpec("perfect-2", _text("Perfect"), _text("2 perfect"), "silver", "quiz_perfect", 2),
    BadgeSpec("course-1", _text("Course"), _text("A course"), "bronze", "courses_completed", 1),
    BadgeSpec("finisher", _text("Finisher"), _text("A contest"), "bronze", "contests_finished", 1),
    BadgeSpec("top-decile", _text("Top 10%"), _text("Top 10%"), "gold", "contest_top_10pct", 1),
    BadgeSpec("poster", _text("Poster"), _text("A post"), "bronze", "posts_published", 1),
    BadgeSpec("redeemer", _text("Redeemer"), _text("A voucher"), "bronze", "vouchers_redeemed", 1),
    BadgeSpec(
        "month-badge", _text("Month"), _text("The challenge"), "gold", "monthly_challenge", 1
    ),
]
TIERS = [
    Tier(0, "bronze", _text("Bronze"), 7, 5, (50, 30, 20)),
    Tier(1, "silver", _text("Silver"), 7, 5, (60, 40, 20)),
    Tier(2, "gold", _text("Gold"), 0, 5, (70, 40, 20)),
]


async def save_catalogue(
    db: AsyncSession,
    clock: Clock,
    *,
    quests: Sequence[Quest] = QUESTS,
    badges: Sequence[BadgeSpec] = BADGES,
    tiers: Sequence[Tier] = TIERS,
) -> None:
    await save_badges(db, badges, now=clock.now())
    await save_quests(db, quests, now=clock.now())
    await save_tiers(db, tiers, now=clock.now())


async def align_league_places(db: AsyncSession) -> None:
    """Move each tier's place sequence to the start of a cohort (sequences outlive the rolled
    back tests), so a test's first joiners share one cohort."""
    for position in range(len(TIERS)):
        sequence = f"league_place_{position}"
        start_of_next_cohort = f"((SELECT last_value FROM {sequence}) / 30 + 1) * 30 - 1"
        await db.execute(sa.text(f"SELECT setval('{sequence}', {start_of_next_cohort})"))
