"""Issue 12's standings figures, in-process against PostgreSQL (`make bench` runs it after the HTTP
bench; alone: `python -m tests.benchmarks.contest_standings [refresh] [my-rank] [tick]`, every
step when none is named):

- standings refresh time at ENTRANTS entries: one `refresh_standings` transaction (value every
  entry, rank, write the next generation, drop the last), REFRESHES times, the slowest counts;
- my-rank p99 at ENTRANTS entries: the leaderboard read (top 20, my rank, five around me) for
  random entrants, at the maximum rate (CLIENTS tasks back to back) and at half that rate
  (Poisson arrivals), as the ledger driver measures earns;
- a market tick matching RESTING resting limit orders: `match_resting_orders` (its chunks'
  transactions, WORKERS at once, commits included), with every order crossed by the price;
  with the wall and server CPU time of each of its statements (summed over the workers) and
  the WAL the server wrote meanwhile.

The data set is written straight into a fresh `investquest_bench_contests` (BENCH_DATABASE_NAME + `_contests`) database with
generate_series: ENTRANTS users and entries, two positions each in the seeded instruments
(BENCH_CONTEST_REUSE=1 keeps the database of an earlier run when it holds the data set, and
migrates it to head).

The my-rank reads need a generation, so `my-rank` without `refresh` still refreshes once,
untimed.
"""

import os
import random
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.contests.market_seed import load_seed_instruments
from api.database import create_engine, create_sessionmaker, run_in_own_loop
from api.migrations import upgrade
from api.seed import SEED_DIR
from api.settings import Settings
from gamification.contests.leaderboard import leaderboard
from gamification.contests.matching import match_resting_orders
from gamification.contests.standings import (
    drop_superseded_generations,
    ensure_state,
    refresh_standings,
)
from tests.benchmarks.database import BENCH_DATABASE, choose_server
from tests.benchmarks.ledger import DriverMeasurement, measure
from tests.benchmarks.statement_times import print_statement_times, statement_times
from tests.databases import asyncpg_dsn, recreate_database, with_database

# Its own database next to the HTTP bench's (BENCH_DATABASE_NAME), so checkouts sharing a
# server do not overwrite each other's data set.
DATABASE = f"{BENCH_DATABASE}_contests"
# Smaller runs for a quick look: BENCH_CONTEST_ENTRANTS=20000 BENCH_CONTEST_RESTING=5000.
ENTRANTS = int(os.environ.get("BENCH_CONTEST_ENTRANTS", 1_000_000))
RESTING = int(os.environ.get("BENCH_CONTEST_RESTING", 100_000))
REUSE = os.environ.get("BENCH_CONTEST_REUSE") == "1"
REFRESHES = 3
CLIENTS = 32
SAMPLE = 10_000  # entrants the my-rank reads pick from
MARKS = {"refresh_s": 10.0, "my_rank_half_p99_ms": 20.0, "tick_s": 2.0}
STEPS = ("refresh", "my-rank", "tick")


@dataclass
class Figures:
    """What the steps run measured (None: not run)."""

    refresh_seconds: list[float] | None = None
    my_rank: DriverMeasurement | None = None
    tick_seconds: float | None = None
    fills: int = 0


async def existing_data_set(url: str) -> uuid.UUID | None:
    """The bench contest of an earlier run, when it has its ENTRANTS entries."""
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url))
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        row = await conn.fetchrow("SELECT id, entrants FROM contest WHERE title_en = 'Bench'")
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await conn.close()
    return row["id"] if row is not None and row["entrants"] == ENTRANTS else None


async def write_data_set(url: str, sessionmaker: async_sessionmaker[AsyncSession]) -> uuid.UUID:
    async with sessionmaker.begin() as db:
        await load_seed_instruments(db, SEED_DIR)
    contest_id = uuid.uuid4()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "INSERT INTO contest (id, title_zh, title_en, starts_at, ends_at, registration_ends_at,"
            " late_entry, starting_cash, market_hours, universe_symbols, universe_boards,"
            " rule_pack, commission_rate, commission_min, stamp_duty_rate, transfer_fee_rate,"
            " t_plus_one, entrants, ranking, min_round_trips, min_trading_days, prizes,"
            " created_at, updated_at) VALUES ($1, '基准', 'Bench', now() - interval '1 day',"
            " now() + interval '30 days', now() + interval '30 days', true, 1000000, 'always',"
            " '{}', '{}', 'cn_a_share', 0.00025, 5, 0.0005, 0.00001, true, $2, 'return', 0, 0,"
            " '[]', now(), now())",
            contest_id,
            ENTRANTS,
        )
        await conn.execute(
            "INSERT INTO user_account (id, email, password_hash, display_name, locale, timezone,"
            " roles, password_changed_at, created_at, public_boards)"
            " SELECT gen_random_uuid(), 'player' || n || '@bench.example', 'x', 'player ' || n,"
            " 'zh-CN', 'Asia/Shanghai', ARRAY['learner'], now(), now(), n % 10 <> 0"
            " FROM generate_series(1, $1::integer) AS n",
            ENTRANTS,
        )
        # Round cash figures make ties, as a real board has: the join time and id break them.
        await conn.execute(
            "INSERT INTO contest_entry (id, contest_id, user_id, joined_at, starting_cash, cash,"
            " cash_held, fees_paid, orders_in_window)"
            " SELECT gen_random_uuid(), $1, id, now() - random() * interval '1 day', 1000000,"
            " 400000 + (random() * 1000)::integer * 100, 0, 0, 0 FROM user_account",
            contest_id,
        )
        await conn.execute(
            "WITH symbols AS (SELECT array_agg(symbol ORDER BY symbol) AS s FROM contest_quote)"
            " INSERT INTO contest_position (entry_id, symbol, user_id, quantity, reserved,"
            " bought_today, cost)"
            " SELECT e.id, symbols.s[1 + (k.n + pick) % cardinality(symbols.s)], e.user_id,"
            " 100 * (1 + (random() * 30)::integer), 0, 0, 0"
            " FROM contest_entry e, symbols,"
            " LATERAL (SELECT abs(hashtext(e.id::text)) AS n) k, generate_series(0, 1) AS pick",
        )
        for table in ("user_account", "contest_entry", "contest_position", "contest_quote"):
            await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()
    return contest_id


async def time_refreshes(
    sessionmaker: async_sessionmaker[AsyncSession], contest_id: uuid.UUID, refreshes: int
) -> list[float]:
    async with sessionmaker.begin() as db:
        await ensure_state(db, contest_id, now=datetime.now(UTC))
    seconds = []
    for _ in range(refreshes):
        started = time.perf_counter()
        async with sessionmaker.begin() as db:
            done = await refresh_standings(db, contest_id, ranking="return", now=datetime.now(UTC))
        async with sessionmaker.begin() as db:
            dropped = await drop_superseded_generations(db)
        seconds.append(round(time.perf_counter() - started, 2))
        assert dropped is not None, "nothing else reads the standings here"
        assert done is not None
        assert done.entrants == ENTRANTS, done
        print(f"  refresh: {seconds[-1]:.2f} s", flush=True)
    return seconds


async def measure_my_rank(
    sessionmaker: async_sessionmaker[AsyncSession], url: str, contest_id: uuid.UUID
) -> DriverMeasurement:
    """Through autocommit sessions, as the leaderboard route reads."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("VACUUM ANALYZE contest_standing")
        rows = await conn.fetch(
            "SELECT user_id FROM contest_entry TABLESAMPLE SYSTEM (5) LIMIT $1", SAMPLE
        )
    finally:
        await conn.close()
    users = [row["user_id"] for row in rows]
    chooser = random.Random(12)

    async def read_my_rank() -> int:
        async with sessionmaker() as db:
            board = await leaderboard(db, contest_id, user_id=chooser.choice(users), limit=20)
        assert board.me is not None
        return 1

    return await measure("my rank (leaderboard read)", read_my_rank, CLIENTS)


async def time_tick(engine: AsyncEngine, url: str, contest_id: uuid.UUID) -> tuple[float, int]:
    """RESTING orders resting, then one matching pass fills them all."""
    now = datetime.now(UTC)
    await rest_orders(url, contest_id, now)
    sessionmaker = create_sessionmaker(engine)
    wal_before = await wal_position(url)
    started = time.perf_counter()
    with statement_times(engine) as spent:
        fills = await match_resting_orders(sessionmaker, now=now)
    seconds = round(time.perf_counter() - started, 2)
    print_statement_times(spent)
    print(
        f"    WAL written by the server meanwhile (other sessions' too)"
        f" {(await wal_position(url) - wal_before) / 2**20:.0f} MB",
        flush=True,
    )
    return seconds, fills


async def rest_orders(url: str, contest_id: uuid.UUID, now: datetime) -> None:
    """RESTING open buy orders of 100 shares at the last price, their cash set aside, their ids
    time-ordered as the app's (`core.ids.new_id`), each with its resting row and its position
    row, as `contest_place_order` leaves them."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "WITH picked AS (SELECT e.id, e.user_id, q.symbol, q.last_price,"
            "  round(q.last_price * 100 * 1.001 + 5, 2) AS held"
            "  FROM (SELECT id, user_id, row_number() OVER () AS n FROM contest_entry LIMIT $2) e"
            "  JOIN (SELECT symbol, last_price, row_number() OVER (ORDER BY symbol) - 1 AS k,"
            "        count(*) OVER () AS total FROM contest_quote) q ON q.k = e.n % q.total),"
            " held AS (UPDATE contest_entry SET cash_held = picked.held FROM picked"
            "  WHERE contest_entry.id = picked.id),"
            # A resting buy's position row, empty where the entry had none (migration 0046).
            " positioned AS (INSERT INTO contest_position (entry_id, symbol, user_id, quantity,"
            "  reserved, bought_today, cost) SELECT id, symbol, user_id, 0, 0, 0, 0 FROM picked"
            "  ON CONFLICT (entry_id, symbol) DO NOTHING),"
            " placed AS (INSERT INTO contest_order (id, contest_id, entry_id, user_id,"
            " client_order_id, request_hash, symbol, side, type, quantity, limit_price, status,"
            " filled_quantity, commission, stamp_duty, transfer_fee, cash_held, trading_day,"
            " expires_at, created_at, updated_at)"
            " SELECT contest_new_id(), $1, id, user_id, 'bench-' || $5, repeat('0', 64), symbol,"
            " 'buy',"
            " 'limit', 100, last_price, 'open', 0, 0, 0, 0, held, current_date, $3, $4, $4"
            " FROM picked RETURNING id, entry_id, symbol, side, limit_price, expires_at)"
            # Each open limit order rests, as `contest_place_order` leaves it (migration 0040).
            " INSERT INTO contest_resting_order"
            " (order_id, entry_id, symbol, side, limit_price, expires_at)"
            " SELECT id, entry_id, symbol, side, limit_price, expires_at FROM placed",
            contest_id,
            RESTING,
            now + timedelta(hours=6),
            now,
            uuid.uuid4().hex,  # a fresh client_order_id per run, for BENCH_CONTEST_REUSE
        )
        await conn.execute("VACUUM ANALYZE contest_order")
        await conn.execute("VACUUM ANALYZE contest_resting_order")
    finally:
        await conn.close()


async def wal_position(url: str) -> int:
    """Bytes of WAL the server has written so far."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(await conn.fetchval("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))
    finally:
        await conn.close()


async def run(url: str, contest_id: uuid.UUID | None, steps: Sequence[str]) -> Figures:
    settings = Settings(database_url=url, db_pool_size=CLIENTS, db_max_overflow=0)
    engine = create_engine(url, settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        if contest_id is None:
            print(f"  data set: {ENTRANTS:,} entrants", flush=True)
            started = time.perf_counter()
            contest_id = await write_data_set(url, sessionmaker)
            print(f"  data set written in {time.perf_counter() - started:.0f} s", flush=True)
        else:
            print(f"  data set of an earlier run: {ENTRANTS:,} entrants", flush=True)
        figures = Figures()
        if "refresh" in steps:
            figures.refresh_seconds = await time_refreshes(sessionmaker, contest_id, REFRESHES)
        elif "my-rank" in steps:
            print("  one refresh for the my-rank reads (not timed)", flush=True)
            await time_refreshes(sessionmaker, contest_id, 1)
        if "my-rank" in steps:
            print("  my rank: warm-up, maximum rate, half rate", flush=True)
            autocommit = create_sessionmaker(engine, autocommit=True)
            figures.my_rank = await measure_my_rank(autocommit, url, contest_id)
        if "tick" in steps:
            print(f"  tick: matching {RESTING:,} resting orders", flush=True)
            figures.tick_seconds, figures.fills = await time_tick(engine, url, contest_id)
    finally:
        await engine.dispose()
    return figures


def report(figures: Figures) -> bool:
    rows: list[tuple[str, float, str]] = []
    print()
    if figures.my_rank is not None:
        full, half = figures.my_rank.max_rate, figures.my_rank.half_load
        rows.append(("my-rank p99 at half load (ms)", half.p99_ms, "my_rank_half_p99_ms"))
        print(
            f"my rank: {full.transactions_per_second:.0f}/s at most ({CLIENTS} clients, p50 "
            f"{full.p50_ms:.2f} ms, p99 {full.p99_ms:.2f} ms); half load "
            f"{half.transactions_per_second:.0f}/s p50 {half.p50_ms:.2f} ms p99 "
            f"{half.p99_ms:.2f} ms; errors {full.errors + half.errors}"
        )
    if figures.refresh_seconds is not None:
        figure = f"standings refresh at {ENTRANTS:,} entries (s)"
        rows.insert(0, (figure, max(figures.refresh_seconds), "refresh_s"))
        print(f"refreshes: {', '.join(f'{s:.2f} s' for s in figures.refresh_seconds)}")
    met = True
    if figures.tick_seconds is not None:
        figure = f"tick matching {RESTING:,} resting orders (s)"
        rows.append((figure, figures.tick_seconds, "tick_s"))
        print(f"tick: {figures.fills:,} fills in {figures.tick_seconds:.2f} s")
        met = figures.fills == RESTING
    print()
    for figure, value, mark in rows:
        good = value <= MARKS[mark]
        met &= good
        print(f"#12    {figure:<46}{value:>10.2f}  <= {MARKS[mark]:g} {'ok' if good else 'SHORT'}")
    return met


def chosen_steps(arguments: Sequence[str]) -> Sequence[str]:
    """The steps named on the command line, every step when none is."""
    unknown = set(arguments) - set(STEPS)
    if unknown:
        sys.exit(f"unknown steps {sorted(unknown)}: choose from {', '.join(STEPS)}")
    return arguments or STEPS


def main() -> None:
    steps = chosen_steps(sys.argv[1:])
    source, server_url = choose_server()
    print(f"contest standings bench: database {DATABASE} (server: {source})", flush=True)
    url = with_database(server_url, DATABASE)
    contest_id = run_in_own_loop(lambda: existing_data_set(url)) if REUSE else None
    if contest_id is None:
        url = recreate_database(server_url, DATABASE)
    upgrade(url)
    figures = run_in_own_loop(lambda: run(url, contest_id, steps))
    if not report(figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
