"""The lifetime counters as the records of the other domains tell them, for the backfill of
learners active before the counters existed. Each counter is raised to what the records show
(`GREATEST`), never lowered, so running it again changes nothing. Read straight from the tables
that own those records, by name, in one statement: no domain module is imported."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

_FROM_RECORDS = sa.text(
    """
    INSERT INTO engagement_counter AS c (user_id, kind, value)
    SELECT user_id, 'lessons_completed', count(*) FROM course_lesson_progress
     WHERE completed_at IS NOT NULL GROUP BY user_id
    UNION ALL
    SELECT user_id, 'courses_completed', count(*) FROM course_progress
     WHERE completed_at IS NOT NULL GROUP BY user_id
    UNION ALL
    SELECT user_id, 'longest_streak', longest FROM reward_streak WHERE longest > 0
    UNION ALL
    SELECT user_id, 'vouchers_redeemed', count(*) FROM voucher GROUP BY user_id
    UNION ALL
    SELECT user_id, 'contests_finished', count(*) FROM contest_report_card
     WHERE qualified GROUP BY user_id
    ON CONFLICT (user_id, kind) DO UPDATE SET value = GREATEST(c.value, EXCLUDED.value)
    """
)


async def counters_from_records(db: AsyncSession) -> int:
    """Raise every learner's lifetime counters to their records; how many rows it wrote."""
    result = await db.execute(_FROM_RECORDS)
    return int(result.rowcount)  # type: ignore[attr-defined]
