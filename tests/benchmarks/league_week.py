"""Issue 15's engagement figures, in-process against PostgreSQL (`make bench` runs it after the
HTTP bench; alone: `python -m tests.benchmarks.league_week`):

- the league week close at MEMBERS members (cohorts of 30 over the ten tiers): one
  `close_past_weeks` run (results, moves, inbox messages and prizes), with the time of each of
  its statements; then a second run, which must find nothing left;
- the current-league read (what `GET /v1/leagues/current` asks the database: the caller's
  membership, the cohort ranked with names, the tiers) for random members, at the maximum rate
  with CLIENTS tasks, next to a bare primary-key read of one row through the same pool (the
  database half of B-db). This is not the HTTP figure: `make bench`'s wrk pass has no league
  scenario yet;
- the extra cost of quests, badges and the league on a lesson completion: `award_for_events`
  with a lesson event for LEARNERS learners at the maximum rate, with the engagement hand-off
  and then without it (the hand-off replaced by nothing, in this process only).

The data set is written straight into a fresh `investquest_bench_leagues` database
(`{BENCH_DATABASE_NAME}_leagues` when that is set).
"""

import os
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import cycle
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import gamification.rewards.service as reward_service
from api.database import create_engine, create_sessionmaker, run_in_own_loop
from api.engagement.seeding import load_engagement
from api.migrations import upgrade
from api.rewards.seeding import load_reward_rules
from api.seed import SEED_DIR
from api.settings import Settings
from courses.events import LessonCompleted
from gamification.engagement.service import Engagement
from gamification.leagues.closing import close_past_weeks
from gamification.leagues.service import current_cohort
from gamification.leagues.tiers import all_tiers
from gamification.leagues.weeks import week_start
from tests.benchmarks.database import BENCH_DATABASE, asyncpg_dsn, choose_server
from tests.benchmarks.ledger import DriverResult, closed_loop
from tests.benchmarks.wrk import DURATION_SECONDS, WARMUP_SECONDS
from tests.databases import recreate_database

DATABASE = f"{BENCH_DATABASE}_leagues"
# Smaller runs for a quick look: BENCH_LEAGUE_MEMBERS=30000.
MEMBERS = int(os.environ.get("BENCH_LEAGUE_MEMBERS", 1_000_000))
LEARNERS = 2_000
CLIENTS = 16
TIMEZONE = "Asia/Shanghai"
MARKS = {"close_s": 60.0, "read_ratio": 0.25, "completion_loss": 0.20}


@dataclass(frozen=True)
class Figures:
    close_seconds: float
    members: int
    prizes: int
    league_read: DriverResult
    bare_read: DriverResult
    with_engagement: DriverResult
    without_engagement: DriverResult


def _cohort_uuid(expression: str) -> str:
    return f"('00000000-0000-4000-8000-' || lpad(to_hex({expression}), 12, '0'))::uuid"


async def write_members(url: str, week: Any) -> list[uuid.UUID]:
    """MEMBERS users in cohorts of 30 (tier = cohort number mod 10) this week, as joining
    writes them (no cohort rows); a sample back."""
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
        for table in ("user_account", "league_member"):
            await conn.execute(f"VACUUM ANALYZE {table}")
        rows = await conn.fetch(
            "SELECT user_id FROM league_member TABLESAMPLE SYSTEM (2) LIMIT 10000"
        )
    finally:
        await conn.close()
    return [row["user_id"] for row in rows]


@contextmanager
def statement_times(engine: AsyncEngine) -> Iterator[dict[str, float]]:
    """Seconds spent in each statement executed on `engine` inside the block, by the
    statement's first 60 characters."""
    spent: dict[str, float] = defaultdict(float)
    started: list[float] = []

    def before(*args: Any) -> None:
        started.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        spent[" ".join(statement.split())[:60]] += time.perf_counter() - started.pop()

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        event.remove(engine.sync_engine, "after_cursor_execute", after)


async def measure_reads(
    sessionmaker: async_sessionmaker[AsyncSession], members: list[uuid.UUID]
) -> tuple[DriverResult, DriverResult]:
    chooser = random.Random(15)
    now = datetime.now(UTC)

    async def league_read() -> int:
        async with sessionmaker() as db:
            cohort = await current_cohort(
                db, user_id=chooser.choice(members), now=now, business_timezone=TIMEZONE
            )
            await all_tiers(db)
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


async def measure_completions(
    sessionmaker: async_sessionmaker[AsyncSession], url: str
) -> tuple[DriverResult, DriverResult]:
    """Completions per second without the engagement hand-off, then with it."""
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
    finally:
        await conn.close()
    learners: Iterator[uuid.UUID] = cycle([row["id"] for row in rows])

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

    # The hand-off (counters, badges, quests and league XP) off, in this process only: what a
    # completion costs without it.
    hand_off = {"record_engagement": no_engagement}
    shipped = {name: vars(reward_service)[name] for name in hand_off}
    for name, replacement in hand_off.items():
        setattr(reward_service, name, replacement)
    try:
        await closed_loop(complete, CLIENTS, WARMUP_SECONDS)
        without = await closed_loop(complete, CLIENTS, DURATION_SECONDS)
    finally:
        for name, function in shipped.items():
            setattr(reward_service, name, function)
    await closed_loop(complete, CLIENTS, WARMUP_SECONDS)
    with_engagement = await closed_loop(complete, CLIENTS, DURATION_SECONDS)
    return with_engagement, without


async def run(url: str) -> Figures:
    settings = Settings(database_url=url, db_pool_size=CLIENTS, db_max_overflow=0)
    engine = create_engine(url, settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker.begin() as db:
            await load_reward_rules(db, SEED_DIR)
            await load_engagement(db, SEED_DIR)
        week = week_start(datetime.now(UTC), TIMEZONE)
        print(f"  data set: {MEMBERS:,} league members this week", flush=True)
        started = time.perf_counter()
        members = await write_members(url, week)
        print(f"  data set written in {time.perf_counter() - started:.0f} s", flush=True)
        print("  current-league read and bare read: warm-up, maximum rate", flush=True)
        league_read, bare_read = await measure_reads(sessionmaker, members)
        print(
            f"  read: league {league_read.transactions_per_second:.0f}/s, "
            f"bare {bare_read.transactions_per_second:.0f}/s",
            flush=True,
        )
        print("  week close", flush=True)
        started = time.perf_counter()
        with statement_times(engine) as spent:
            closed = await close_past_weeks(
                sessionmaker,
                current_week=week + timedelta(days=7),
                now=datetime.now(UTC),
                lot_days=365,
            )
        close_seconds = round(time.perf_counter() - started, 2)
        for statement, seconds in sorted(spent.items(), key=lambda item: -item[1]):
            print(f"    {seconds:7.2f} s  {statement}", flush=True)
        print(f"  closed {closed.members:,} members in {close_seconds:.2f} s", flush=True)
        again = await close_past_weeks(
            sessionmaker, current_week=week + timedelta(days=7), now=datetime.now(UTC), lot_days=365
        )
        assert again.weeks == 0, again
        print("  lesson completions: without, then with the engagement hand-off", flush=True)
        with_engagement, without = await measure_completions(sessionmaker, url)
    finally:
        await engine.dispose()
    return Figures(
        close_seconds,
        closed.members,
        closed.prizes,
        league_read,
        bare_read,
        with_engagement,
        without,
    )


def report(figures: Figures) -> bool:
    ratio = figures.league_read.transactions_per_second / figures.bare_read.transactions_per_second
    loss = 1 - (
        figures.with_engagement.transactions_per_second
        / figures.without_engagement.transactions_per_second
    )
    print(
        f"\nweek close: {figures.members:,} results, {figures.prizes:,} prizes in "
        f"{figures.close_seconds:.2f} s\n"
        f"current-league read {figures.league_read.transactions_per_second:.0f}/s "
        f"(p99 {figures.league_read.p99_ms:.2f} ms), bare read "
        f"{figures.bare_read.transactions_per_second:.0f}/s ({CLIENTS} clients)\n"
        f"lesson completions {figures.with_engagement.transactions_per_second:.0f}/s with "
        f"engagement, {figures.without_engagement.transactions_per_second:.0f}/s without\n"
    )
    rows = [
        (f"week close at {MEMBERS:,} members (s)", figures.close_seconds, "close_s", False),
        ("current-league read / bare read (in-process)", ratio, "read_ratio", True),
        ("completions/s lost to engagement (fraction)", loss, "completion_loss", False),
    ]
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
    source, server_url = choose_server()
    print(f"league bench: database {DATABASE} (server: {source})", flush=True)
    url = recreate_database(server_url, DATABASE)
    upgrade(url)
    figures = run_in_own_loop(lambda: run(url))
    if not report(figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
