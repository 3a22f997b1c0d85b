"""Writing and reading the counters: each batch of events is one upsert per table."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.engagement.kinds import DAY_MARK_KINDS, MAXIMUM_KINDS, Tally
from gamification.engagement.models import (
    EngagementEventSeen,
)

# One round trip for a batch: the day counts in a CTE (a day mark stays at 1), then the
# lifetime counters, where maxima keep the larger value and the others add.
_ADD_TALLY = sa.text(
    """
    WITH by_day AS (
        INSERT INTO engagement_day_count AS d (user_id, kind, day, count)
        SELECT :user_id, t.kind, :day, t.n
          FROM unnest(CAST(:day_kinds AS text[]), CAST(:day_counts AS int[])) AS t(kind, n)
        ON CONFLICT (user_id, kind, day) DO UPDATE SET count = CASE
            WHEN d.kind = ANY(CAST(:day_mark_kinds AS text[]))
                THEN GREATEST(d.count, EXCLUDED.count)
            ELSE d.count + EXCLUDED.count END
        RETURNING 1
    )
    INSERT INTO engagement_counter AS c (user_id, kind, value)
    SELECT :user_id, t.kind, t.n
      FROM unnest(CAST(:kinds AS text[]), CAST(:values AS bigint[])) AS t(kind, n)
    ON CONFLICT (user_id, kind) DO UPDATE SET value = CASE
        WHEN c.kind = ANY(CAST(:maximum_kinds AS text[])) THEN GREATEST(c.value, EXCLUDED.value)
        ELSE c.value + EXCLUDED.value END
    """
)
_seen = insert(EngagementEventSeen)
_FIRST_SIGHT = _seen.on_conflict_do_nothing().returning(col(EngagementEventSeen.kind))


async def add_tally(db: AsyncSession, user_id: uuid.UUID, tally: Tally, *, day: date) -> None:
    """Add the batch to the learner's day (`day`, their own calendar) and lifetime counters."""
    by_day = sorted(tally.counts.items())
    lifetime = sorted(
        (kind, value)
        for kind, value in {**tally.counts, **tally.maxima}.items()
        if kind not in DAY_MARK_KINDS
    )
    params = {
        "user_id": user_id,
        "day": day,
        "day_kinds": [kind for kind, _ in by_day],
        "day_counts": [count for _, count in by_day],
        "kinds": [kind for kind, _ in lifetime],
        "values": [value for _, value in lifetime],
        "maximum_kinds": sorted(MAXIMUM_KINDS),
        "day_mark_kinds": sorted(DAY_MARK_KINDS),
    }
    await db.execute(_ADD_TALLY, params)


async def first_sight(
    db: AsyncSession, user_id: uuid.UUID, kind: str, reference: str, *, now: datetime
) -> bool:
    """True the first time this event (kind and reference) is reported for the learner."""
    row = await db.execute(
        _FIRST_SIGHT,
        {"user_id": user_id, "kind": kind, "reference": reference, "seen_at": now},
    )
    return row.first() is not None
