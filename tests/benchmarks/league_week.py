"""Issue 15's engagement figures against PostgreSQL (`make bench` runs every part; alone:
`python -m tests.benchmarks.league_week [prepare | measure | reads | completions]`):

- `prepare` (no timing, so outside the bench lock): a fresh `investquest_bench_leagues`
  database (`{BENCH_DATABASE_NAME}_leagues` when that is set) with MEMBERS league members this
  week (cohorts of 30 over the ten tiers), a login session for SESSIONS of them, vacuumed and
  analysed;
- `measure` (under the lock) on that database:
  - `GET /v1/leagues/current` with wrk, one server process, as random members, next to B-db
    (`tests.benchmarks.baselines:db_app` GET /item) on the same server, in turn ROUNDS times
    (medians): mark at least 0.25x;
    and the same read in-process (the caller's membership, the cohort ranked with names and its
    tier, one statement) next to a bare primary-key read through the same pool, for the
    statement's share;
  - the league week close: one `close_past_weeks` run (results, moves, inbox messages and
    prizes), with the time of each of its statements; then a second run, which must find
    nothing left. It closes the week, so each `measure` needs a `prepare` before it (`reads`
    measures the reads alone, before or after a close);
- `completions` (under the lock), in a fresh small database of its own
  (`..._leagues_completions`, vacuumed and analysed first, so no million-row close is being
  cleaned up beside it): the extra cost of quests, badges and the league on a lesson
  completion, `award_for_events` with a lesson event for LEARNERS learners at the maximum
  rate, with the engagement hand-off and without it (replaced by nothing, in this process
  only), ROUNDS rounds alternating which goes first, after one untimed completion of every
  learner (a learner's first joins the league and earns first badges and quests); the medians
  are compared.
"""

import asyncio
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import cycle
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import gamification.rewards.service as reward_service
from api.accounts.tokens import issue_access_token
from api.database import create_engine, create_sessionmaker, run_in_own_loop
from api.engagement.seeding import load_engagement
from api.migrations import upgrade
from api.rewards.seeding import load_reward_rules
from api.seed import SEED_DIR
from api.settings import Settings
from courses.events import LessonCompleted
from gamification.engagement.service import Engagement
from gamification.leagues.closing import WeekClose, close_past_weeks
from gamification.leagues.service import current_cohort
from gamification.leagues.weeks import week_start
from tests.benchmarks.accounts import TOKEN_LIFETIME, write_lines
from tests.benchmarks.database import BENCH_DATABASE, _create_items, choose_server
from tests.benchmarks.ledger import DriverResult, closed_loop
from tests.benchmarks.servers import running, uvicorn_server
from tests.benchmarks.statement_times import print_statement_times, statement_times
from tests.benchmarks.wrk import DURATION_SECONDS, WARMUP_SECONDS, WrkResult, ensure_wrk
from tests.databases import asyncpg_dsn, recreate_database, with_database

DATABASE = f"{BENCH_DATABASE}_leagues"
COMPLETIONS_DATABASE = f"{DATABASE}_completions"
# Smaller runs for a quick look: BENCH_LEAGUE_MEMBERS=30000.
MEMBERS = int(os.environ.get("BENCH_LEAGUE_MEMBERS", 1_000_000))
SESSIONS = 1_000
LEARNERS = 2_000
CLIENTS = 16
ROUNDS = 3
TIMEZONE = "Asia/Shanghai"
SCRIPTS = Path(__file__).resolve().parent
LEAGUE_SCRIPT = SCRIPTS / "league.lua"
TOKENS_FILE = "league-tokens.txt"
B_DB = uvicorn_server("B-db", "tests.benchmarks.baselines:db_app")
APP_COMMAND = [sys.executable, "-m", "api.cli", "serve", "--no-scheduler", "--no-seed"]
MARKS = {"close_s": 60.0, "read_ratio": 0.25, "completion_loss": 0.20}


def _cohort_uuid(expression: str) -> str:
    return f"('00000000-0000-4000-8000-' || lpad(to_hex({expression}), 12, '0'))::uuid"


def this_week() -> date:
    return week_start(datetime.now(UTC), TIMEZONE)


async def seed(url: str) -> None:
    settings = Settings(database_url=url, db_pool_size=1, db_max_overflow=0)
    engine = create_engine(url, settings)
    try:
        async with create_sessionmaker(engine).begin() as db:
            await load_reward_rules(db, SEED_DIR)
            await load_engagement(db, SEED_DIR)
    finally:
        await engine.dispose()


async def write_members(url: str, week: date) -> None:
    """MEMBERS users in cohorts of 30 (tier = cohort number mod 10) this week, as joining
    writes them (no cohort rows), and a login session for SESSIONS of them."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "INSERT INTO user_account (id, email, password_hash, display_name, locale, timezone,"
            " roles, password_changed_at, created_at, public_boards)"
            " SELECT gen_random_uuid(), 'leaguer' || n || '@bench.example', 'x', 'leaguer ' || n,"
            " 'zh-CN', 'Asia/Shanghai', ARRAY['learner'], now(), now(), n % 10 <> 0"
            " FROM generate_series(1, $1::integer) AS n",
            MEMBERS,
        )
        await conn.execute(
            "INSERT INTO league_member (week_start, user_id, cohort_id, tier, xp, reached_at,"
            " joined_at)"
            f" SELECT $1, id, {_cohort_uuid('n / 30')}, (n / 30) % 10,"
            " 1 + (random() * 2000)::integer, now() - random() * interval '5 days',"
            " now() - interval '6 days'"
            " FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM user_account) u",
            week,
        )
        await conn.execute(
            "INSERT INTO auth_session (id, user_id, created_at)"
            " SELECT gen_random_uuid(), user_id, now() FROM league_member"
            " TABLESAMPLE SYSTEM (2) REPEATABLE (15) LIMIT $1",
            SESSIONS,
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def prepare() -> str:
    """The league database, written and vacuumed (no timing: no lock needed); its URL."""
    source, server_url = choose_server()
    print(f"league bench: database {DATABASE} (server: {source})", flush=True)
    url = recreate_database(server_url, DATABASE)
    upgrade(url)
    started = time.perf_counter()
    run_in_own_loop(lambda: _create_items(url))
    run_in_own_loop(lambda: seed(url))
    run_in_own_loop(lambda: write_members(url, this_week()))
    print(
        f"  data set: {MEMBERS:,} league members this week, written in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return url


@dataclass(frozen=True)
class Reads:
    league: DriverResult  # in-process
    bare: DriverResult
    http_league: WrkResult
    http_db: WrkResult  # B-db


async def session_members(url: str) -> list[tuple[uuid.UUID, uuid.UUID]]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch("SELECT user_id, id FROM auth_session")
    finally:
        await conn.close()
    return [(row["user_id"], row["id"]) for row in rows]


async def measure_in_process(
    sessionmaker: async_sessionmaker[AsyncSession], members: list[uuid.UUID]
) -> tuple[DriverResult, DriverResult]:
    chooser = random.Random(15)
    now = datetime.now(UTC)

    async def league_read() -> int:
        async with sessionmaker() as db:
            cohort = await current_cohort(
                db, user_id=chooser.choice(members), now=now, business_timezone=TIMEZONE
            )
        assert cohort is not None
        assert len(cohort.members) == 30
        return 1

    bare = sa.text("SELECT id, display_name FROM user_account WHERE id = :id")

    async def bare_read() -> int:
        async with sessionmaker() as db:
            await db.execute(bare, {"id": chooser.choice(members)})
        return 1

    results = []
    for operation in (league_read, bare_read):
        await closed_loop(operation, CLIENTS, WARMUP_SECONDS)
        results.append(await closed_loop(operation, CLIENTS, DURATION_SECONDS))
    return results[0], results[1]


def measure_http(
    url: str, sessions: list[tuple[uuid.UUID, uuid.UUID]]
) -> tuple[WrkResult, WrkResult]:
    """(GET /v1/leagues/current, B-db GET /item), each one server process, by wrk."""
    secret = secrets.token_urlsafe(48)
    now = datetime.now(UTC)
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="investquest-league-") as folder:
        data_dir = Path(folder)
        write_lines(
            data_dir / TOKENS_FILE,
            (
                issue_access_token(
                    secret, user_id=user, session_id=session, now=now, lifetime=TOKEN_LIFETIME
                )
                for user, session in sessions
            ),
        )
        wrk = type(wrk)(
            wrk.binary, env={"BENCH_DATA_DIR": str(data_dir), "BENCH_LUA_DIR": str(SCRIPTS)}
        )
        env = os.environ | {
            "DATABASE_URL": url,
            "SECRET_KEY": secret,
            "LOG_LEVEL": "WARNING",
            "BUSINESS_TIMEZONE": TIMEZONE,
        }
        app = type(B_DB)("app", lambda port, workers: [
            *APP_COMMAND, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)
        ])  # fmt: skip
        # Both servers up at once and measured in turn, ROUNDS times (the median of each): on
        # a shared machine, one run of each minutes apart compares two different loads.
        with running(B_DB, env) as base, running(app, env, data_dir / "app.log") as app_base:
            targets = ((f"{base}/item", None), (f"{app_base}/v1/leagues/current", LEAGUE_SCRIPT))
            for target, script in targets:
                wrk.warm_up(target, script)
            runs: list[list[WrkResult]] = [[], []]
            for _ in range(ROUNDS):
                for index, (target, script) in enumerate(targets):
                    runs[index].append(wrk.max_rate(target, script))
    db_item, league = (sorted(results, key=lambda r: r.rps)[ROUNDS // 2] for results in runs)
    for name, results in (("B-db", runs[0]), ("leagues/current", runs[1])):
        print(f"    {name}: {', '.join(f'{r.rps:.0f}' for r in results)} rps", flush=True)
    if any(r.errors or set(r.statuses) != {200} for r in runs[1]):
        raise RuntimeError(f"GET /v1/leagues/current answered {[r.statuses for r in runs[1]]}")
    return league, db_item


async def close(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine, week: date
) -> tuple[WeekClose, float]:
    started = time.perf_counter()
    with statement_times(engine) as spent:
        closed = await close_past_weeks(
            sessionmaker, current_week=week + timedelta(days=7), now=datetime.now(UTC), lot_days=365
        )
    seconds = round(time.perf_counter() - started, 2)
    print_statement_times(spent)
    print(
        f"  closed {closed.members:,} members ({closed.prizes:,} prizes) in {seconds:.2f} s",
        flush=True,
    )
    again = await close_past_weeks(
        sessionmaker, current_week=week + timedelta(days=7), now=datetime.now(UTC), lot_days=365
    )
    assert again.weeks == 0, again
    return closed, seconds


def measure(url: str, *, close_week: bool = True) -> bool:
    """The reads and (with `close_week`) the week close on the prepared database; whether the
    marks are met. The close leaves the week's members, so reads alone can run after it."""
    print(f"league bench: reads (load average {os.getloadavg()[0]:.2f})", flush=True)
    sessions = run_in_own_loop(lambda: session_members(url))
    print("  GET /v1/leagues/current and B-db with wrk, one server process each", flush=True)
    http_league, http_db = measure_http(url, sessions)
    settings = Settings(database_url=url, db_pool_size=CLIENTS, db_max_overflow=0)

    async def in_process() -> tuple[DriverResult, DriverResult, tuple[WeekClose, float] | None]:
        engine = create_engine(url, settings)
        sessionmaker = create_sessionmaker(engine)
        try:
            print("  current-league read and bare read in-process", flush=True)
            league, bare = await measure_in_process(sessionmaker, [s[0] for s in sessions])
            closed = None
            if close_week:
                print(f"  week close (load average {os.getloadavg()[0]:.2f})", flush=True)
                closed = await close(sessionmaker, engine, this_week())
        finally:
            await engine.dispose()
        return league, bare, closed

    league, bare, closed = run_in_own_loop(in_process)
    http_ratio = http_league.rps / http_db.rps
    print(
        f"\nGET /v1/leagues/current {http_league.rps:.0f} rps (p99 {http_league.p99_ms:.2f} ms), "
        f"B-db {http_db.rps:.0f} rps (p99 {http_db.p99_ms:.2f} ms), one process each, medians\n"
        f"in-process: current-league read {league.transactions_per_second:.0f}/s "
        f"(p99 {league.p99_ms:.2f} ms), bare read {bare.transactions_per_second:.0f}/s "
        f"({CLIENTS} clients), ratio "
        f"{league.transactions_per_second / bare.transactions_per_second:.2f}\n"
    )
    marks = [("GET /v1/leagues/current rps / B-db rps", http_ratio, "read_ratio", True)]
    if closed is not None:
        week, seconds = closed
        print(f"week close: {week.members:,} results, {week.prizes:,} prizes in {seconds:.2f} s")
        marks.insert(0, (f"week close at {MEMBERS:,} members (s)", seconds, "close_s", False))
    return print_marks(marks)


async def measure_completions(url: str) -> tuple[list[float], list[float]]:
    """Completions per second with the engagement hand-off and without, ROUNDS of each."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "INSERT INTO user_account (id, email, password_hash, display_name, locale, timezone,"
            " roles, password_changed_at, created_at)"
            " SELECT gen_random_uuid(), 'learner' || n || '@bench.example', 'x', 'learner ' || n,"
            " 'zh-CN', 'Asia/Shanghai', ARRAY['learner'], now(), now()"
            " FROM generate_series(1, $1::integer) AS n RETURNING id",
            LEARNERS,
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    learners: Iterator[uuid.UUID] = cycle([row["id"] for row in rows])
    settings = Settings(database_url=url, db_pool_size=CLIENTS, db_max_overflow=0)
    engine = create_engine(url, settings)
    sessionmaker = create_sessionmaker(engine)

    async def complete() -> int:
        user_id, now = next(learners), datetime.now(UTC)
        event = LessonCompleted(user_id, uuid.uuid4(), "bench", "lesson", now)
        async with sessionmaker.begin() as db:
            await reward_service.award_for_events(
                db, user_id=user_id, timezone=TIMEZONE, events=[event], now=now
            )
        return 1

    async def no_engagement(*args: Any, **kwargs: Any) -> Engagement:
        return Engagement([])

    hand_off = "record_engagement"
    shipped = vars(reward_service)[hand_off]

    async def rate(with_engagement: bool) -> float:
        # The hand-off (counters, badges, quests and league XP) off, in this process only:
        # what a completion costs without it.
        setattr(reward_service, hand_off, shipped if with_engagement else no_engagement)
        try:
            await closed_loop(complete, CLIENTS, WARMUP_SECONDS)
            result = await closed_loop(complete, CLIENTS, DURATION_SECONDS)
        finally:
            setattr(reward_service, hand_off, shipped)
        print(
            f"    {'with' if with_engagement else 'without'} engagement: "
            f"{result.transactions_per_second:.0f}/s (p99 {result.p99_ms:.2f} ms, "
            f"errors {result.errors}; load average {os.getloadavg()[0]:.2f})",
            flush=True,
        )
        return result.transactions_per_second

    with_rates: list[float] = []
    without_rates: list[float] = []
    try:
        # Every learner's first completion, with the hand-off, before any timing: the first
        # completion is the one that joins a cohort, opens the counters and earns the first
        # badges and quests, and the rounds would otherwise hand those first completions to
        # whichever half reached a learner first (an active learner's completion is timed).
        for _ in range(LEARNERS // CLIENTS + 1):
            await asyncio.gather(*(complete() for _ in range(CLIENTS)))
        for round_number in range(ROUNDS):
            order = (False, True) if round_number % 2 == 0 else (True, False)
            for with_engagement in order:
                (with_rates if with_engagement else without_rates).append(
                    await rate(with_engagement)
                )
    finally:
        await engine.dispose()
    return with_rates, without_rates


def completions() -> bool:
    source, server_url = choose_server()
    print(f"league bench: lesson completions in {COMPLETIONS_DATABASE} (server: {source})")
    url = recreate_database(server_url, COMPLETIONS_DATABASE)
    upgrade(url)
    run_in_own_loop(lambda: seed(url))
    with_rates, without_rates = run_in_own_loop(lambda: measure_completions(url))
    with_median, without_median = statistics.median(with_rates), statistics.median(without_rates)
    print(
        f"\nlesson completions (median of {ROUNDS}): {with_median:.0f}/s with engagement, "
        f"{without_median:.0f}/s without\n"
    )
    loss = 1 - with_median / without_median
    return print_marks(
        [("completions/s lost to engagement (fraction)", loss, "completion_loss", False)]
    )


def print_marks(rows: list[tuple[str, float, str, bool]]) -> bool:
    met = True
    for figure, value, mark, at_least in rows:
        good = value >= MARKS[mark] if at_least else value <= MARKS[mark]
        met &= good
        sign = ">=" if at_least else "<="
        print(
            f"#15    {figure:<46}{value:>10.2f}  {sign} {MARKS[mark]:g} {'ok' if good else 'SHORT'}"
        )
    return met


def main() -> None:
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    if part == "prepare":
        prepare()
        return
    if part in ("measure", "reads"):
        url = with_database(choose_server()[1], DATABASE)
        met = measure(url, close_week=part == "measure")
    elif part == "completions":
        met = completions()
    elif part == "all":
        met = measure(prepare())
        met &= completions()
    else:
        raise SystemExit(
            "usage: python -m tests.benchmarks.league_week [prepare|measure|reads|completions]"
        )
    if not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
