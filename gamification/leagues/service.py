"""Joining the week's league with the first XP, adding XP, and the learner's cohort table.

A learner joins when they earn their first XP of the week, in their tier: they take the next
place number of the tier's sequence (`league_place_{tier}`), and places 30k to 30k+29 of a week
make one cohort. A sequence hands each number out once, at once, without a lock held to commit,
so concurrent joins never wait on each other, cohorts fill in arrival order, and none can pass
30 (a join rolled back leaves its place empty; the week's first cohort of a tier may start part
way, after the places of the week before).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.driver_reads import DriverRead
from gamification.leagues.tiers import COHORT_SIZE, MAX_TIERS, Tier
from gamification.leagues.weeks import week_start

ANONYMOUS = "anonymous"

# The week's XP in one statement, `league_add_xp` (migration 0029): added to the learner's
# membership or, with the week's first XP, joining. Joining takes the next place of the
# learner's tier (the lowest without a `league_player` row, or when tiers were removed since);
# the cohort's id is derived from (week, tier, place / 30), so every replica names it alike. A
# concurrent first XP of the same learner may have joined meanwhile: then this XP is added to
# that membership (the place taken here stays empty).
_ADD_XP = sa.text("SELECT league_add_xp(:user_id, :xp, :week, :now, :highest, :cohort_size)")
# The caller's cohort this week, ranked with names, with its tier (the learner's, or the highest
# when tiers were removed since) and how many tiers there are: the whole league table in one
# read sent straight to the driver (the membership by its key, then the cohort by its index, the
# tiers by theirs); no rows before the first XP. The tier's name and prizes come on the first row
# only (decoded once).
_COHORT_TABLE = DriverRead(
    sa.text(
        """
        WITH me AS (
            SELECT cohort_id, tier FROM league_member
             WHERE week_start = :week AND user_id = :user_id
        ), tiers AS (
            SELECT max(position) AS top, count(*) AS count FROM league_tier
        ), ranked AS (
            SELECT row_number() OVER (ORDER BY m.xp DESC, m.reached_at, m.user_id) AS rank,
                   CASE WHEN u.public_boards OR m.user_id = :user_id THEN u.display_name
                        ELSE :anonymous END AS display_name,
                   m.xp, m.user_id = :user_id AS me
              FROM me
              JOIN league_member m ON m.cohort_id = me.cohort_id
              JOIN user_account u ON u.id = m.user_id
        )
        SELECT r.rank, r.display_name, r.xp, r.me, me.cohort_id, me.tier, tiers.count AS tiers,
               t.position, t.id, t.promote, t.demote,
               CASE WHEN r.rank = 1 THEN t.name END AS name,
               CASE WHEN r.rank = 1 THEN t.prizes END AS prizes
          FROM ranked r CROSS JOIN me CROSS JOIN tiers
          LEFT JOIN league_tier t ON t.position = LEAST(me.tier, tiers.top)
         ORDER BY r.rank
        """
    )
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
    tier: int  # the learner's tier position this week
    league_tier: Tier | None  # that tier (the highest when tiers were removed); None: no tiers
    tiers: int  # how many tiers there are
    members: list[Standing]


async def add_league_xp(
    db: AsyncSession, *, user_id: uuid.UUID, xp: int, now: datetime, business_timezone: str
) -> None:
    """Add `xp` to the learner's week, joining a cohort with the week's first XP: one
    statement."""
    if xp <= 0:
        return
    week = week_start(now, business_timezone)
    params = {
        "week": week,
        "user_id": user_id,
        "xp": xp,
        "now": now,
        "highest": MAX_TIERS - 1,
        "cohort_size": COHORT_SIZE,
    }
    await db.execute(_ADD_XP, params)


async def current_cohort(
    db: AsyncSession, *, user_id: uuid.UUID, now: datetime, business_timezone: str
) -> CohortTable | None:
    """The learner's cohort this week, ranked by XP (ties: who reached it first); None before
    their first XP of the week."""
    week = week_start(now, business_timezone)
    rows = await _COHORT_TABLE.all(db, week=week, user_id=user_id, anonymous=ANONYMOUS)
    if not rows:
        return None
    first = rows[0]
    tier = None
    if first["id"] is not None:
        tier = Tier(
            first["position"],
            first["id"],
            first["name"],
            first["promote"],
            first["demote"],
            tuple(first["prizes"]),
        )
    # By index, not by name: 30 rows of four columns are most of this read's Python.
    members = [Standing(r[0], r[1], int(r[2]), r[3]) for r in rows]
    return CohortTable(week, first["cohort_id"], first["tier"], tier, first["tiers"], members)
