"""The standings: rebuilt per contest every LEADERBOARD_REFRESH_SECONDS by one INSERT ... SELECT
that values every entry (cash plus positions at the last price), ranks them with a window
function and writes the next generation into a fresh table, which is then indexed and attached
as a partition of `contest_standing`; the superseded generation's table is dropped whole
afterwards. Reading a rank never counts anything: it is a key lookup in the current generation.

Ties break deterministically: the higher score first, then the earlier join, then the entry id.
Entries of deleted accounts (anonymised) leave the boards. The running peak and max drawdown of
each entry carry over from one generation to the next, sampled at every refresh.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.contests.measures import DRAWDOWN_FLOOR_PCT
from gamification.contests.standings_models import StandingsState

LOCK_NOT_AVAILABLE = "55P03"

# Each entry's equity now: cash plus every position at its instrument's last price. One join
# and one aggregate keyed by the entry: the positions are valued in thousandths of a yuan as
# bigints (prices have three decimals), exact and far cheaper to sum than numerics, and
# rounded to the fen once per entry.
EQUITY_SQL = """
    SELECT e.id, e.user_id, e.joined_at, e.starting_cash,
           e.cash + coalesce(round(sum(p.quantity * q.milli) / 1000.0, 2), 0) AS equity
    FROM contest_entry e
    LEFT JOIN contest_position p ON p.entry_id = e.id AND p.quantity > 0
    LEFT JOIN (SELECT symbol, (last_price * 1000)::bigint AS milli FROM contest_quote) q
           ON q.symbol = p.symbol
    WHERE e.contest_id = :contest_id AND e.anonymised_at IS NULL
    GROUP BY e.id
"""

GENERATIONS_SCHEMA = "contest_generations"
# Ranked in one window pass, whose sort also orders the rows written: the new generation's
# heap is in rank order, so a range of ranks reads a few neighbouring pages.
# EQUITY_SQL and the table names are this module's; every value is a bound parameter.
_RANKED = f"""
    SELECT :contest_id AS contest_id, :generation AS generation, id AS entry_id, user_id,
           row_number() OVER (ORDER BY score DESC, joined_at, id) AS rank,
           equity, return_pct, score, peak AS peak_equity, drawdown AS max_drawdown_pct,
           joined_at, display_name, public_boards
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
                   ) AS drawdown,
                   -- The board name rides along from the last generation (the account
                   -- trigger keeps it true); only a new entrant's is read from the account.
                   CASE WHEN old.user_id IS NULL
                        THEN (SELECT u.display_name FROM user_account u WHERE u.id = now_.user_id)
                        ELSE old.display_name END AS display_name,
                   CASE WHEN old.user_id IS NULL
                        THEN (SELECT u.public_boards FROM user_account u
                              WHERE u.id = now_.user_id)
                        ELSE old.public_boards END AS public_boards
            -- By the generation's key: the previous generation is this contest's, where a
            -- learner has one entry (unique (contest_id, user_id)), so the same row as by entry.
            FROM ({EQUITY_SQL}) now_
            LEFT JOIN {{previous}} old ON old.user_id = now_.user_id
        ) measured
    ) scored
    ORDER BY score DESC, joined_at, id
"""  # noqa: S608
# The first refresh's stand-in for a previous generation (see `_previous`).
_NO_PREVIOUS = """(
    SELECT id AS user_id, NULL::numeric AS peak_equity, NULL::numeric AS max_drawdown_pct,
           display_name, public_boards
    FROM user_account
)"""
_COLUMNS = (
    "contest_id, generation, entry_id, user_id, rank, equity, return_pct, score, peak_equity,"
    " max_drawdown_pct, joined_at, display_name, public_boards"
)
_NEXT_GENERATION = sa.text("SELECT nextval('contest_standing_generation')")
# A refresh sorts and hashes every entry of the contest: enough memory not to spill to disk
# at a million entries, and more time than DB_STATEMENT_TIMEOUT_MS allows a request (a large
# contest takes seconds on a small server; cut short it would never refresh). The standings
# are derived data, so a commit need not wait for the WAL flush: a crash loses at most the
# last refresh, which the next one rebuilds.
_REFRESH_SETTINGS = (
    sa.text("SET LOCAL work_mem = '256MB'"),
    sa.text("SET LOCAL maintenance_work_mem = '256MB'"),
    sa.text("SET LOCAL statement_timeout = '300s'"),
    sa.text("SET LOCAL synchronous_commit = off"),
    sa.text("SET LOCAL jit = off"),  # compiling the plan costs more than it saves here
    # The generation's statistics only steer key lookups and short rank ranges: a sample of
    # 3,000 rows does that as well as the default 30,000, in a tenth of the reads.
    sa.text("SET LOCAL default_statistics_target = 10"),
)
# Board names: the trigger on `user_account` (migration 0044) takes this lock shared while it
# rewrites the current generations and logs the change; a refresh takes it exclusively to
# re-apply the changes its snapshot missed and publish its generation, so no change falls
# between the two.
BOARD_NAMES_LOCK = 7_040_001
_SNAPSHOT = sa.text("SELECT pg_current_snapshot()::text")
_LOCK_BOARD_NAMES = sa.text(f"SELECT pg_advisory_xact_lock({BOARD_NAMES_LOCK})")
# The names changed by transactions the generation's snapshot did not see.
_REAPPLY_CHANGES = """
    UPDATE {table} s SET display_name = u.display_name, public_boards = u.public_boards
    FROM contest_board_change c
    JOIN user_account u ON u.id = c.user_id
    WHERE s.generation = :generation AND s.user_id = c.user_id
      AND NOT pg_visible_in_snapshot(
          c.xact_id::text::xid8, CAST(CAST(:snapshot AS text) AS pg_snapshot)
      )
"""
# Longer than any refresh transaction lasts (its statements are cut at five minutes).
_FORGET_CHANGES = sa.text(
    "DELETE FROM contest_board_change WHERE changed_at < now() - interval '1 hour'"
)
# Dropping a partition locks the whole partitioned table for a moment, so it waits for no
# reader long: when one is in the way, the table stays for the next refresh to drop.
_DROP_LOCK_TIMEOUT = sa.text("SET LOCAL lock_timeout = '500ms'")
_SUPERSEDED = sa.text(
    f"""
    SELECT c.relname FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE i.inhparent = 'contest_standing'::regclass AND n.nspname = '{GENERATIONS_SCHEMA}'
      AND NOT EXISTS (
          SELECT 1 FROM contest_standings_state s WHERE c.relname = 'g' || s.generation
      )
    ORDER BY c.relname
    """  # noqa: S608
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


def generation_table(generation: int) -> str:
    """The qualified name of a generation's partition."""
    return f"{GENERATIONS_SCHEMA}.g{int(generation)}"


def _previous(generation: int) -> str:
    """What a refresh joins each entry's carried-over figures and board name from.

    After the first refresh, the previous generation's own partition, by name, so the planner
    reads that table's statistics. Through `contest_standing` it had none (nothing analyses a
    partitioned parent), guessed the join with the new valuation at 5,000 times its size and
    probed the previous generation's key once per entry, a random page each, instead of
    hashing it in one scan.

    Before the first refresh (generation 0) every entry is new: no peak or drawdown carries
    over, and the board names are every account's, hashed in one scan of the accounts. Read
    as a new entrant's, two key lookups per entry, they cost a million-entry contest's first
    refresh 2,000,000 random index probes: 16 s where the later ones took 10.
    """
    if generation:
        return generation_table(generation)
    return _NO_PREVIOUS


async def refresh_standings(
    db: AsyncSession,
    contest_id: uuid.UUID,
    *,
    ranking: str,
    now: datetime,
    freeze: bool = False,
) -> Refreshed | None:
    """Write the contest's next generation of standings; with `freeze`, the final one.

    The generation is built as a table of its own (rows in rank order, then its two indexes
    built in one pass each, then its statistics) and attached as a partition; readers see it
    when this transaction commits, and never wait for it. The superseded generation stays
    until `drop_superseded_generations`. None when another transaction is refreshing the
    contest or its standings are frozen.

    Every generation is logged, running ones too: each carries the running peak equity and
    max drawdown on to the next, and the final standings prizes are paid from are built from
    them, so a crash must not reset them.
    """
    state = (await db.execute(_LOCK_STATE, {"contest_id": contest_id})).one_or_none()
    if state is None or state.frozen_at is not None:
        return None
    generation = int((await db.execute(_NEXT_GENERATION)).scalar_one())
    table = generation_table(generation)
    for setting in _REFRESH_SETTINGS:
        await db.execute(setting)
    snapshot = (await db.execute(_SNAPSHOT)).scalar_one()
    # DDL takes no bind parameters: the one value formatted in is the sequence's integer.
    await db.execute(
        sa.text(
            f"CREATE TABLE {table} (LIKE contest_standing INCLUDING DEFAULTS"
            f" INCLUDING CONSTRAINTS, CHECK (generation = {generation}))"
        )
    )
    written = await db.execute(
        sa.text(
            f"INSERT INTO {table} ({_COLUMNS}) "
            + _RANKED.format(previous=_previous(state.generation))
        ),
        {
            "contest_id": contest_id,
            "generation": generation,
            "risk_adjusted": ranking == "risk_adjusted",
            "drawdown_floor": DRAWDOWN_FLOOR_PCT,
        },
    )
    entrants = written.rowcount  # type: ignore[attr-defined]
    # The partitioned table's own key and unique constraint adopt these indexes on attaching;
    # the CHECK above spares the attach a scan of the rows.
    await db.execute(
        sa.text(
            f"ALTER TABLE {table} ADD PRIMARY KEY (generation, user_id),"
            " ADD UNIQUE (generation, rank)"
        )
    )
    await db.execute(sa.text(f"ANALYZE {table}"))
    await db.execute(_LOCK_BOARD_NAMES)
    await db.execute(
        sa.text(_REAPPLY_CHANGES.format(table=table)),
        {"generation": generation, "snapshot": snapshot},
    )
    await db.execute(
        sa.text(
            f"ALTER TABLE contest_standing ATTACH PARTITION {table} FOR VALUES IN ({generation})"
        )
    )
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


# Every generation attached to `contest_standing`, current and superseded (not yet dropped).
_GENERATIONS = sa.text(
    f"""
    SELECT substr(c.relname, 2)::bigint FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE i.inhparent = 'contest_standing'::regclass AND n.nspname = '{GENERATIONS_SCHEMA}'
    """  # noqa: S608
)
# Named generations only, so the plan is pruned to them and each is one key lookup (the key is
# (generation, user_id); a condition on user_id alone would read every partition whole).
_FORGET_BOARD_NAME = sa.text(
    "UPDATE contest_standing SET display_name = NULL, public_boards = false"
    " WHERE generation = ANY(:generations) AND user_id = :user_id"
    " AND (display_name IS NOT NULL OR public_boards)"
)


async def forget_board_name(db: AsyncSession, user_id: uuid.UUID) -> None:
    """An erased learner's name leaves every generation of the standings: the superseded ones
    too (the account trigger rewrites only the current ones), which stay readable until they
    are dropped. A generation being built while this runs re-applies the account's change
    (its name is gone) before it is published, and leaves the erased entries out."""
    generations = list(await db.scalars(_GENERATIONS))
    if generations:
        await db.execute(_FORGET_BOARD_NAME, {"generations": generations, "user_id": user_id})


async def drop_superseded_generations(db: AsyncSession) -> int | None:
    """Drop every generation no contest reads any more; how many, or None when a reader held
    the standings too long (the next call drops them). Run in a transaction of its own: the
    drops lock the partitioned table until it commits."""
    await db.execute(_FORGET_CHANGES)
    tables = list(await db.scalars(_SUPERSEDED))
    if not tables:
        return 0
    await db.execute(_DROP_LOCK_TIMEOUT)
    try:
        async with db.begin_nested():
            for name in tables:
                await db.execute(sa.text(f"DROP TABLE {GENERATIONS_SCHEMA}.{name}"))
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        return None
    return len(tables)


__all__ = [
    "BOARD_NAMES_LOCK",
    "EQUITY_SQL",
    "GENERATIONS_SCHEMA",
    "Refreshed",
    "drop_superseded_generations",
    "ensure_state",
    "forget_board_name",
    "generation_table",
    "refresh_standings",
    "running_contests",
]
