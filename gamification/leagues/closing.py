"""Closing past weeks: rank every cohort, move learners up and down, post the results, pay the
leaders.

A week closes in one transaction of a few set-based statements, whatever its size (a million
members is a weekly job of seconds, not of one statement per cohort or learner):

1. claim the week: insert its `league_week` row. A second run, or a replica closing at once,
   conflicts on that row (waiting for the first to commit, or taking over if it rolled back)
   and leaves the week alone;
2. rank all the week's cohorts in one window-function statement and write every member's
   result (INSERT ... SELECT): XP this week, ties to who reached that XP first; the top
   `promote` go up (none from the highest tier), the bottom `demote` go down (none from the
   lowest tier, never a promoted place); the first places get the tier's prizes; the same
   statement writes the next weeks' tiers of those who moved from the result rows it returns
   (INSERT ... ON CONFLICT), so the million results are not read back;
3. pay the leaders through the ledger's bulk earn (`ledger_earn_many`, its arguments built from
   the results in the database), keys unique per (week, learner), last: it locks the leaders'
   ledger accounts, so they are held only until the commit just after.

Each member's result reaches their inbox without a write of its own: the inbox reads the
`league_result` rows of the weeks claimed with `results_in_inbox` as messages, rendered at read
time (`campaign_inbox_entry`, migration 0041), read times kept in `league_result.read_at`.

Each statement writes its rows in learner order, the order of the indexes they go into: a
million rows then fill each index page after page instead of touching pages at random, which
matters once the indexes outgrow the buffer cache.

Every unclosed week before the current one is closed, oldest first (a job that did not run for
weeks catches up), each week claimed once. A week left unclosed behind a later closed one (its
close failed, the next week's did not) still gets its results and prizes, but moves nobody:
the later close set the tiers learners play with now. Finding them walks the distinct weeks of
`league_member` by its primary key, one index descent per week ever played.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gamification.leagues.turns import take_close_turn
from gamification.ledger.models import TransactionKind

LEAGUE_PRIZE = "league_prize"
logger = logging.getLogger(__name__)

# The weeks played before `current` and not claimed: a loose index scan (each step the next
# week of the primary key (week_start, user_id)), then those without a `league_week` row.
_UNCLOSED_WEEKS = sa.text(
    """
    WITH RECURSIVE played(week_start) AS (
        SELECT min(week_start) FROM league_member
        UNION ALL
        SELECT (SELECT min(m.week_start) FROM league_member m
                 WHERE m.week_start > played.week_start)
          FROM played
         WHERE played.week_start < :current
    )
    SELECT p.week_start FROM played p
     WHERE p.week_start < :current
       AND NOT EXISTS (SELECT 1 FROM league_week w WHERE w.week_start = p.week_start)
     ORDER BY p.week_start
    """
)
_CLAIM_WEEK = sa.text(
    """
    INSERT INTO league_week (week_start, closed_at, members, prizes, results_in_inbox)
    VALUES (:week, :now, 0, 0, true)
    ON CONFLICT DO NOTHING
    RETURNING week_start
    """
)
# For this transaction only: sorting a million members by cohort and XP fits in memory with
# this much (the default spills the sort to disk); a statement over every member, or the claim
# waiting for a replica's close of the week, may take longer than DB_STATEMENT_TIMEOUT_MS.
_WEEK_SETTINGS = sa.text(
    "SELECT set_config('work_mem', '256MB', true), set_config('statement_timeout', '600s', true)"
)
# Ranks every cohort, writes every member's result and, from the rows just written (not read
# back from the table), the movers' tiers for the weeks to come; the number of results.
_WRITE_RESULTS_AND_MOVES = sa.text(
    """
    WITH ranked AS (
        SELECT m.user_id, m.cohort_id, m.tier, m.xp,
               row_number() OVER w AS rank, count(*) OVER (PARTITION BY m.cohort_id) AS size
          FROM league_member m
         WHERE m.week_start = :week
        WINDOW w AS (PARTITION BY m.cohort_id ORDER BY m.xp DESC, m.reached_at, m.user_id)
    ), top AS (SELECT COALESCE(max(position), 0) AS position FROM league_tier), judged AS (
        SELECT r.*, t.prizes,
               CASE WHEN NOT CAST(:moves AS boolean) THEN 'stayed'
                    WHEN r.tier < top.position AND r.rank <= t.promote THEN 'promoted'
                    WHEN r.tier > 0 AND r.rank > GREATEST(r.size - t.demote, t.promote)
                         THEN 'demoted'
                    ELSE 'stayed' END AS outcome
          FROM ranked r CROSS JOIN top
          JOIN league_tier t ON t.position = LEAST(r.tier, top.position)
    ), written AS (
        INSERT INTO league_result
            (week_start, user_id, cohort_id, tier, rank, xp, outcome, new_tier, prize_points,
             closed_at)
        SELECT :week, user_id, cohort_id, tier, rank, xp, outcome,
               tier + CASE outcome WHEN 'promoted' THEN 1 WHEN 'demoted' THEN -1 ELSE 0 END,
               COALESCE(prizes[rank], 0), :now
          FROM judged
         ORDER BY user_id
        ON CONFLICT DO NOTHING
        RETURNING user_id, tier, new_tier
    ), moved AS (
        INSERT INTO league_player (user_id, tier, updated_at)
        SELECT user_id, new_tier, :now FROM written
         WHERE new_tier <> tier
         ORDER BY user_id
        ON CONFLICT (user_id) DO UPDATE
            SET tier = EXCLUDED.tier, updated_at = EXCLUDED.updated_at
    )
    SELECT count(*) FROM written
    """
)
# A later week closed first (this one's close had failed, or was claimed and rolled back): that
# close set the tiers learners play with now, which this older week must not overwrite.
_LATER_WEEK_CLOSED = sa.text("SELECT EXISTS (SELECT 1 FROM league_week WHERE week_start > :week)")
# The leaders paid by the ledger's bulk earn (`ledger_earn_many`, as `earn_many` calls it) with
# its arguments built here from the results, in learner order (the order their accounts are
# locked in): a hundred thousand prizes at a million members never travel to Python and back.
# Keys and references `league:{week}:{user}`; one row per prize paid (none already paid).
_PAY_PRIZES = sa.text(
    """
    WITH prizes AS (
        SELECT user_id, prize_points,
               'league:' || CAST(:week_text AS text) || ':' || user_id AS key,
               jsonb_build_object('code', CAST(:code AS text), 'rank', rank,
                                  'week', CAST(:week_text AS text)) AS reason
          FROM league_result
         WHERE week_start = :week AND prize_points > 0
    ), earns AS (
        SELECT array_agg(key ORDER BY user_id) AS keys,
               array_agg(reason ORDER BY user_id) AS reasons,
               array_agg(user_id ORDER BY user_id) AS user_ids,
               array_agg(prize_points ORDER BY user_id) AS points,
               count(*)::integer AS n
          FROM prizes
    )
    SELECT count(*) FROM earns e CROSS JOIN LATERAL ledger_earn_many(
        CAST(:kind AS text), :now, e.keys, e.keys, e.reasons, e.user_ids, e.points,
        array_fill(0::bigint, ARRAY[e.n]), array_fill(CAST(:lot_days AS integer), ARRAY[e.n]))
    """
)
_RECORD = sa.text(
    "UPDATE league_week SET members = :members, prizes = :prizes WHERE week_start = :week"
)


@dataclass(frozen=True)
class WeekClose:
    weeks: int  # weeks this run claimed and closed
    members: int  # results written
    prizes: int  # leaders paid


async def close_week(db: AsyncSession, *, week: date, now: datetime, lot_days: int) -> WeekClose:
    """Close the week starting `week` in the caller's transaction; nothing when it was claimed
    before (closed, or being closed by a transaction that then commits). When a later week is
    closed already, its close set the tiers: this week's results are written and its leaders
    paid, but everyone `stayed` (nobody moves, the message says so)."""
    await db.execute(_WEEK_SETTINGS)  # first: the claim may wait for another close's commit
    await take_close_turn(db)  # erasures under way finish first (`leagues/turns.py`)
    if await db.scalar(_CLAIM_WEEK, {"week": week, "now": now}) is None:
        return WeekClose(0, 0, 0)
    params = {"week": week, "now": now}
    moves = not await db.scalar(_LATER_WEEK_CLOSED, params)
    if not moves:
        logger.warning("league week %s closes after a later week: ranks and prizes, no moves", week)
    members: int = await db.scalar(_WRITE_RESULTS_AND_MOVES, params | {"moves": moves})
    paid: int = await db.scalar(
        _PAY_PRIZES,
        params
        | {
            "week_text": week.isoformat(),
            "code": LEAGUE_PRIZE,
            "kind": TransactionKind.EARN.value,
            "lot_days": lot_days,
        },
    )
    await db.execute(_RECORD, {"week": week, "members": members, "prizes": paid})
    return WeekClose(1, members, paid)


async def close_past_weeks(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    current_week: date,
    now: datetime,
    lot_days: int,
) -> WeekClose:
    """Close every unclosed week before `current_week`, oldest first (so the tiers the latest
    week's close writes are the ones that stay), each in its own transaction."""
    async with sessionmaker() as db:
        weeks = list(await db.scalars(_UNCLOSED_WEEKS, {"current": current_week}))
    closed, members, prizes = 0, 0, 0
    for week in weeks:
        async with sessionmaker.begin() as db:
            done = await close_week(db, week=week, now=now, lot_days=lot_days)
        closed, members, prizes = (
            closed + done.weeks,
            members + done.members,
            prizes + done.prizes,
        )
    return WeekClose(closed, members, prizes)
