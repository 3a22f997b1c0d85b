"""The engagement area's personal data: counters, quests completed, badges, league weeks.

Kept on erasure: they name the learner only by id (league tables show the erased account's
anonymous name), and quest payments are value records.
"""

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

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


async def export_engagement(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    return {
        name: [dict(row._mapping) for row in await db.execute(sa.text(query), {"u": user_id})]
        for name, query in _TABLES.items()
    }
