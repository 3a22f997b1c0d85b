"""Writing the counters: each batch of events is one statement, which awards the badges it
earns too."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.badges.catalogue import MONTHLY_CHALLENGE
from gamification.engagement.kinds import DAY_MARK_KINDS, MAXIMUM_KINDS, Tally

# One round trip for a batch: the day counts (a day mark stays at 1), the lifetime counters
# (maxima keep the larger value, the others add), and every enabled badge over the touched
# counters whose criterion now holds, awarded once (the award's primary key). The badges read
# the counters as the upserts return them (the latest values, after any concurrent event of
# the learner that committed first), and a window's earlier days from the table.
_COUNT = sa.text(
    f"""
    WITH by_day AS (
        INSERT INTO engagement_day_count AS d (user_id, kind, day, count)
        SELECT :user_id, t.kind, :day, t.n
          FROM unnest(CAST(:day_kinds AS text[]), CAST(:day_counts AS int[])) AS t(kind, n)
        ON CONFLICT (user_id, kind, day) DO UPDATE SET count = CASE
            WHEN d.kind = ANY(CAST(:day_mark_kinds AS text[]))
                THEN GREATEST(d.count, EXCLUDED.count)
            ELSE d.count + EXCLUDED.count END
        RETURNING d.kind, d.count
    ), lifetime AS (
        INSERT INTO engagement_counter AS c (user_id, kind, value)
        SELECT :user_id, t.kind, t.n
          FROM unnest(CAST(:kinds AS text[]), CAST(:values AS bigint[])) AS t(kind, n)
        ON CONFLICT (user_id, kind) DO UPDATE SET value = CASE
            WHEN c.kind = ANY(CAST(:maximum_kinds AS text[]))
                THEN GREATEST(c.value, EXCLUDED.value)
            ELSE c.value + EXCLUDED.value END
        RETURNING c.kind, c.value
    )
    INSERT INTO badge_award (user_id, badge_id, earned_at)
    SELECT :user_id, b.id, :now
      FROM badge b
     WHERE b.enabled AND b.counter = ANY(CAST(:touched AS text[]))
       AND b.counter <> '{MONTHLY_CHALLENGE}'
       AND COALESCE(CASE WHEN b.window_days IS NULL THEN
               (SELECT l.value FROM lifetime l WHERE l.kind = b.counter)
           ELSE
               COALESCE((SELECT sum(d.count) FROM engagement_day_count d
                          WHERE d.user_id = :user_id AND d.kind = b.counter
                            AND d.day > CAST(:day AS date) - b.window_days
                            AND d.day <> :day), 0)
               + COALESCE((SELECT t.count FROM by_day t WHERE t.kind = b.counter), 0)
           END, 0) >= b.target
    ON CONFLICT DO NOTHING
    RETURNING badge_id
    """  # noqa: S608 - only a constant is formatted in; values are bound
)


async def count_batch(
    db: AsyncSession, user_id: uuid.UUID, tally: Tally, *, day: date, now: datetime
) -> list[str]:
    """Add the batch to the learner's day (`day`, their own calendar) and lifetime counters,
    and award the badges it earns: the ids newly earned."""
    by_day = sorted(tally.counts.items())
    lifetime = sorted(
        (kind, value)
        for kind, value in {**tally.counts, **tally.maxima}.items()
        if kind not in DAY_MARK_KINDS
    )
    params = {
        "user_id": user_id,
        "day": day,
        "now": now,
        "day_kinds": [kind for kind, _ in by_day],
        "day_counts": [count for _, count in by_day],
        "kinds": [kind for kind, _ in lifetime],
        "values": [value for _, value in lifetime],
        "maximum_kinds": sorted(MAXIMUM_KINDS),
        "day_mark_kinds": sorted(DAY_MARK_KINDS),
        "touched": sorted(tally.kinds),
    }
    return list((await db.scalars(_COUNT, params)).all())
