"""Awarding badges when their criterion first holds, and the learner's badges with progress.

Badges over counters are awarded by the database function that moves the counters
(`engagement_record`, migration 0029): every enabled badge over those counters whose criterion
now holds, once per learner (the award's primary key), so concurrent events award a badge
once. A monthly challenge's badge comes with its quest, in the same function.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.badges.catalogue import MONTHLY_CHALLENGE

# A badge's value for a learner: the lifetime counter, or the sum of the window's days.
_VALUE = """
    CASE WHEN b.window_days IS NULL THEN
        (SELECT c.value FROM engagement_counter c WHERE c.user_id = u.id AND c.kind = b.counter)
    ELSE
        (SELECT sum(d.count) FROM engagement_day_count d
          WHERE d.user_id = u.id AND d.kind = b.counter
            AND d.day > CAST(:today AS date) - b.window_days)
    END
"""
_BADGES_OF = sa.text(
    f"""
    SELECT b.id, b.name, b.description, b.tier, b.counter, b.target, a.earned_at,
           COALESCE({_VALUE}, 0) AS value
      FROM (SELECT CAST(:user_id AS uuid) AS id) u
      JOIN badge b ON b.enabled OR EXISTS (
               SELECT 1 FROM badge_award e WHERE e.user_id = u.id AND e.badge_id = b.id)
      LEFT JOIN badge_award a ON a.user_id = u.id AND a.badge_id = b.id
     ORDER BY b.position, b.id
    """  # noqa: S608 - only this module's constants are formatted in; values are bound
)
# Backfill: every learner with counters, a chunk at a time, in user id order.
_BACKFILL_CHUNK = sa.text(
    f"""
    WITH learners AS (
        SELECT DISTINCT user_id AS id FROM engagement_counter
         WHERE user_id > :after ORDER BY user_id LIMIT :size
    ), awarded AS (
        INSERT INTO badge_award (user_id, badge_id, earned_at)
        SELECT u.id, b.id, :now FROM learners u, badge b
         WHERE b.enabled AND b.counter <> '{MONTHLY_CHALLENGE}'
           AND COALESCE({_VALUE}, 0) >= b.target
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT (SELECT max(id::text) FROM learners) AS last,
           (SELECT count(*) FROM learners) AS learners,
           (SELECT count(*) FROM awarded) AS awarded
    """  # noqa: S608 - only this module's constants are formatted in; values are bound
)


@dataclass(frozen=True)
class BadgeStatus:
    id: str
    name: dict[str, str]
    description: dict[str, str]
    tier: str
    target: int
    progress: int
    earned_at: datetime | None


async def badges_of(db: AsyncSession, *, user_id: uuid.UUID, today: date) -> list[BadgeStatus]:
    rows = await db.execute(_BADGES_OF, {"user_id": user_id, "today": today})
    return [
        BadgeStatus(
            id=r.id,
            name=r.name,
            description=r.description,
            tier=r.tier,
            target=1 if r.counter == MONTHLY_CHALLENGE else r.target,
            progress=_progress(r),
            earned_at=r.earned_at,
        )
        for r in rows
    ]


def _progress(row: Any) -> int:
    target = 1 if row.counter == MONTHLY_CHALLENGE else int(row.target)
    if row.earned_at is not None:
        return target
    return min(int(row.value), target)


@dataclass(frozen=True)
class BackfillChunk:
    last: uuid.UUID | None  # the last learner evaluated; None when none were left
    learners: int
    awarded: int


async def backfill_chunk(
    db: AsyncSession, *, after: uuid.UUID, size: int, today: date, now: datetime
) -> BackfillChunk:
    """Evaluate the catalogue for the next `size` learners (with counters) after `after`."""
    row = (
        await db.execute(
            _BACKFILL_CHUNK, {"after": after, "size": size, "today": today, "now": now}
        )
    ).one()
    last = uuid.UUID(row.last) if row.last else None
    return BackfillChunk(last, int(row.learners), int(row.awarded))
