"""The standings: rebuilt per contest every LEADERBOARD_REFRESH_SECONDS by one INSERT ... SELECT
that values every entry (cash plus positions at the last price), ranks them with a window
function and writes the next generation; then the previous generation is deleted. Reading a
rank never counts anything: it is a key lookup in the current generation.

Ties break deterministically: the higher score first, then the earlier join, then the entry id.
Entries of deleted accounts (anonymised) leave the boards. The running peak and max drawdown of
each entry carry over from one generation to the next, sampled at every refresh.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.contests.measures import DRAWDOWN_FLOOR_PCT
from gamification.contests.standings_models import StandingsState

# Each entry's equity now: cash plus every position at its instrument's last price.
EQUITY_SQL = """
    SELECT e.id, e.user_id, e.joined_at, e.starting_cash,
           e.cash + coalesce(held.value, 0) AS equity
    FROM contest_entry e
    LEFT JOIN (
        SELECT p.entry_id, round(sum(p.quantity * q.last_price), 2) AS value
        FROM contest_position p
        JOIN contest_entry pe ON pe.id = p.entry_id AND pe.contest_id = :contest_id
        JOIN contest_quote q ON q.symbol = p.symbol
        WHERE p.quantity > 0
        GROUP BY p.entry_id
    ) held ON held.entry_id = e.id
    WHERE e.contest_id = :contest_id AND e.anonymised_at IS NULL
"""

# EQUITY_SQL is a constant of this module; every value is a bound parameter.
_WRITE_GENERATION = sa.text(
    f"""
    INSERT INTO contest_standing (contest_id, generation, entry_id, user_id, rank, equity,
                                  return_pct, score, peak_equity, max_drawdown_pct, joined_at)
    SELECT :contest_id, :generation, id, user_id,
           row_number() OVER (ORDER BY score DESC, joined_at, id),
           equity, return_pct, score, peak, drawdown, joined_at
    FROM (
        SELECT measured.*,
               CASE WHEN :risk_adjusted
                    THEN round(return_pct / greatest(drawdown, :drawdown_floor), 4)
                    ELSE return_pct END AS score
        FROM (
            SELECT now_.*,
                   round((now_.equity - now_.starting_cash) * 100 / now_.starting_cash, 2)
                       AS return_pct,
                   greatest(coalesce(old.peak_equity, now_.starting_cash), now_.equity) AS peak,
                   greatest(
                       coalesce(old.max_drawdown_pct, 0),
                       round(
                           (greatest(coalesce(old.peak_equity, now_.starting_cash), now_.equity)
                            - now_.equity) * 100
                           / greatest(coalesce(old.peak_equity, now_.starting_cash), now_.equity,
                                      0.01),
                           2
                       )
                   ) AS drawdown
            FROM ({EQUITY_SQL}) now_
            LEFT JOIN contest_standing old
                   ON old.contest_id = :contest_id AND old.generation = :previous
                  AND old.entry_id = now_.id
        ) measured
    ) scored
    """  # noqa: S608
)
# A refresh sorts and hashes every entry of the contest: enough memory not to spill to disk
# at a million entries, and more time than DB_STATEMENT_TIMEOUT_MS allows a request (a large
# contest takes tens of seconds on a small server; cut short it would never refresh). The
# standings are derived data, so a commit need not wait for the WAL flush: a crash loses at
# most the last refresh, which the next one rebuilds.
_REFRESH_SETTINGS = (
    sa.text("SET LOCAL work_mem = '256MB'"),
    sa.text("SET LOCAL statement_timeout = '300s'"),
    sa.text("SET LOCAL synchronous_commit = off"),
)
_DROP_OLD_GENERATIONS = sa.text(
    "DELETE FROM contest_standing WHERE contest_id = :contest_id AND generation < :generation"
)
_ENSURE_STATE = (
    insert(StandingsState)
    .values(
        contest_id=sa.bindparam("contest_id"),
        generation=0,
        as_of=sa.bindparam("now"),
        entrants=0,
    )
    .on_conflict_do_nothing(index_elements=["contest_id"])
)
# Another replica still refreshing this contest holds its row: skip it this time.
_LOCK_STATE = sa.text(
    "SELECT generation, frozen_at FROM contest_standings_state "
    "WHERE contest_id = :contest_id FOR UPDATE SKIP LOCKED"
)
_SET_STATE = sa.text(
    "UPDATE contest_standings_state SET generation = :generation, as_of = :now, "
    "entrants = :entrants, frozen_at = CASE WHEN :freeze THEN :now ELSE frozen_at END "
    "WHERE contest_id = :contest_id"
)
_RUNNING = sa.text(
    """
    SELECT c.id, c.ranking FROM contest c
    LEFT JOIN contest_standings_state s ON s.contest_id = c.id
    WHERE c.starts_at <= :now AND c.ends_at > :now AND s.frozen_at IS NULL
    ORDER BY c.id
    """
)


@dataclass(frozen=True)
class Refreshed:
    contest_id: uuid.UUID
    generation: int
    entrants: int


async def running_contests(db: AsyncSession, *, now: datetime) -> list[tuple[uuid.UUID, str]]:
    """(contest id, ranking) of every contest running at `now` whose standings are not frozen."""
    return [(row.id, row.ranking) for row in await db.execute(_RUNNING, {"now": now})]


async def ensure_state(db: AsyncSession, contest_id: uuid.UUID, *, now: datetime) -> None:
    """The contest's standings state row, created at generation 0 if missing (commit it before
    `refresh_standings` locks it, so two first refreshes do not wait on each other's insert)."""
    await db.execute(_ENSURE_STATE, {"contest_id": contest_id, "now": now})


async def refresh_standings(
    db: AsyncSession,
    contest_id: uuid.UUID,
    *,
    ranking: str,
    now: datetime,
    freeze: bool = False,
) -> Refreshed | None:
    """Write the contest's next generation of standings; with `freeze`, the final one.

    None when another transaction is refreshing the contest or its standings are frozen.
    """
    state = (await db.execute(_LOCK_STATE, {"contest_id": contest_id})).one_or_none()
    if state is None or state.frozen_at is not None:
        return None
    generation = state.generation + 1
    for setting in _REFRESH_SETTINGS:
        await db.execute(setting)
    written = await db.execute(
        _WRITE_GENERATION,
        {
            "contest_id": contest_id,
            "generation": generation,
            "previous": state.generation,
            "risk_adjusted": ranking == "risk_adjusted",
            "drawdown_floor": DRAWDOWN_FLOOR_PCT,
        },
    )
    entrants = written.rowcount  # type: ignore[attr-defined]
    await db.execute(_DROP_OLD_GENERATIONS, {"contest_id": contest_id, "generation": generation})
    await db.execute(
        _SET_STATE,
        {
            "contest_id": contest_id,
            "generation": generation,
            "now": now,
            "entrants": entrants,
            "freeze": freeze,
        },
    )
    return Refreshed(contest_id, generation, entrants)


__all__ = [
    "EQUITY_SQL",
    "Refreshed",
    "ensure_state",
    "refresh_standings",
    "running_contests",
]
