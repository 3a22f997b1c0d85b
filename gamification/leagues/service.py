"""Joining the week's league with the first XP, adding XP, and the learner's cohort table.

A learner joins when they earn their first XP of the week: in their tier, into the cohort that
tier is filling. One upsert on the (week, tier) filling row takes a place and moves on to a
new cohort after the 30th, holding that row's lock until commit, so concurrent joins queue on
it and no cohort ever passes 30; cohorts therefore fill in arrival order.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.ids import new_id
from gamification.leagues.tiers import COHORT_SIZE
from gamification.leagues.weeks import week_start

ANONYMOUS = "anonymous"

_ADD_XP = sa.text(
    """
    UPDATE league_member SET xp = xp + :xp, reached_at = :now
     WHERE week_start = :week AND user_id = :user_id
    RETURNING cohort_id
    """
)
# The learner's tier (the lowest without a row, or when tiers were removed since).
_TIER = sa.text(
    """
    SELECT LEAST(COALESCE((SELECT tier FROM league_player WHERE user_id = :user_id), 0),
                 COALESCE((SELECT max(position) FROM league_tier), 0))
    """
)
# Joining, in one statement (the filling row's lock is held from here to commit, so the
# shorter the better): take a place in the cohort the tier is filling (a new cohort after the
# 30th), create that cohort with its first place, and add the member. A concurrent first XP of
# the same learner may have joined meanwhile: then this XP is added to that membership (the
# place taken here stays empty).
_JOIN = sa.text(
    """
    WITH place AS (
        INSERT INTO league_filling AS f (week_start, tier, cohort_id, filled)
        VALUES (:week, :tier, :new_cohort, 1)
        ON CONFLICT (week_start, tier) DO UPDATE SET
            cohort_id = CASE WHEN f.filled >= :cohort_size THEN EXCLUDED.cohort_id
                             ELSE f.cohort_id END,
            filled = CASE WHEN f.filled >= :cohort_size THEN 1 ELSE f.filled + 1 END
        RETURNING cohort_id, filled
    ), cohort AS (
        INSERT INTO league_cohort (id, week_start, tier, created_at)
        SELECT cohort_id, :week, :tier, :now FROM place WHERE filled = 1
    )
    INSERT INTO league_member AS m
        (week_start, user_id, cohort_id, tier, xp, reached_at, joined_at)
    SELECT :week, :user_id, place.cohort_id, :tier, :xp, :now, :now FROM place
    ON CONFLICT (week_start, user_id) DO UPDATE SET xp = m.xp + EXCLUDED.xp, reached_at = :now
    """
)
_MEMBERSHIP = sa.text(
    "SELECT cohort_id, tier FROM league_member WHERE week_start = :week AND user_id = :user_id"
)
_TABLE = sa.text(
    """
    SELECT row_number() OVER (ORDER BY m.xp DESC, m.reached_at, m.user_id) AS rank,
           m.user_id, m.xp, u.display_name, u.public_boards
      FROM league_member m JOIN user_account u ON u.id = m.user_id
     WHERE m.cohort_id = :cohort_id
     ORDER BY rank
    """
)


@dataclass(frozen=True)
class Standing:
    rank: int
    display_name: str
    xp: int
    me: bool


@dataclass(frozen=True)
class CohortTable:
    week_start: date
    cohort_id: uuid.UUID
    tier: int
    members: list[Standing]


async def add_league_xp(
    db: AsyncSession, *, user_id: uuid.UUID, xp: int, now: datetime, business_timezone: str
) -> None:
    """Add `xp` to the learner's week, joining a cohort with the week's first XP."""
    if xp <= 0:
        return
    week = week_start(now, business_timezone)
    params = {"week": week, "user_id": user_id, "xp": xp, "now": now}
    if (await db.execute(_ADD_XP, params)).first() is not None:
        return
    tier = int(await db.scalar(_TIER, {"user_id": user_id}) or 0)
    join = {**params, "tier": tier, "new_cohort": new_id(), "cohort_size": COHORT_SIZE}
    await db.execute(_JOIN, join)


async def current_cohort(
    db: AsyncSession, *, user_id: uuid.UUID, now: datetime, business_timezone: str
) -> CohortTable | None:
    """The learner's cohort this week, ranked by XP (ties: who reached it first); None before
    their first XP of the week."""
    week = week_start(now, business_timezone)
    membership = (await db.execute(_MEMBERSHIP, {"week": week, "user_id": user_id})).first()
    if membership is None:
        return None
    rows = await db.execute(_TABLE, {"cohort_id": membership.cohort_id})
    members = [
        Standing(
            rank=r.rank,
            display_name=r.display_name if r.public_boards or r.user_id == user_id else ANONYMOUS,
            xp=int(r.xp),
            me=r.user_id == user_id,
        )
        for r in rows
    ]
    return CohortTable(week, membership.cohort_id, membership.tier, members)
