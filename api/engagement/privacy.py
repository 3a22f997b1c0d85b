"""The engagement area's personal data: counters, quests completed, badges, league weeks.

Erased with the account, all of it: the counters, the events seen and those not yet counted,
quest completions, badges, league memberships (the current week's cohort table loses the
learner), results and tier. The
quest payments and league prizes stay in the ledger (value records, by id only); the streak,
with its pause and repair, is the rewards area's (`api/rewards/privacy.py`).
"""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from gamification.badges.models import BadgeAward
from gamification.engagement.models import (
    EngagementCounter,
    EngagementDayCount,
    EngagementEventSeen,
    EngagementOutbox,
)
from gamification.leagues.models import LeagueMember, LeaguePlayer, LeagueResult
from gamification.quests.models import QuestCompletion

_TABLES = {
    "counters": "SELECT kind, value FROM engagement_counter WHERE user_id = :u ORDER BY kind",
    "days": "SELECT day, kind, count FROM engagement_day_count WHERE user_id = :u "
    "ORDER BY day, kind",
    "quests_completed": "SELECT quest_id, period_start, points, xp, completed_at "
    "FROM quest_completion WHERE user_id = :u ORDER BY completed_at",
    "badges": "SELECT badge_id, earned_at FROM badge_award WHERE user_id = :u ORDER BY earned_at",
    "league_weeks": "SELECT week_start, tier, xp, joined_at FROM league_member "
    "WHERE user_id = :u ORDER BY week_start",
    "league_results": "SELECT week_start, tier, rank, xp, outcome, new_tier, prize_points "
    "FROM league_result WHERE user_id = :u ORDER BY week_start",
}
# Every engagement table with a row per learner (each has a `user_id` column).
ERASED: tuple[type[SQLModel], ...] = (
    EngagementCounter,
    EngagementDayCount,
    EngagementEventSeen,
    EngagementOutbox,
    QuestCompletion,
    BadgeAward,
    LeagueMember,
    LeagueResult,
    LeaguePlayer,
)


async def export_engagement(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    return {
        name: [dict(row._mapping) for row in await db.execute(sa.text(query), {"u": user_id})]
        for name, query in _TABLES.items()
    }


async def erase_engagement(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    for model in ERASED:
        table = model.__table__  # type: ignore[attr-defined]
        await db.execute(sa.delete(table).where(table.c.user_id == user_id))
