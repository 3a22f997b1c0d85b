"""Issue 17's outcomes figures (`make bench` runs it; alone: `python -m tests.benchmarks.outcomes`):

- a data set written with SQL into its own database (`<BENCH_DATABASE_NAME>_outcomes`, default
  `investquest_bench_outcomes`), described in `outcomes_data.py`: USERS clients over 24 months,
  about EVENTS activity events, ENTRIES contest entries with fills and equity snapshots;
- the rollup from nothing (what the first daily job or `investquest outcomes rebuild` does),
  timed, and one daily run after it;
- each measure's endpoint over HTTP (one app server, no scheduler), REQUESTS times one after
  another for the twelve months to today and for 36 months: p50 and p99, marked against 2 s.

Steps, all three by default: `generate` writes the data set; `rollup` times the rollup on it
(from nothing each time); `endpoints` times the endpoints on what the rollup wrote. Run them
one by one so that only the timings hold the shared bench lock, each briefly.
Smaller runs: BENCH_OUTCOMES_USERS=20000 BENCH_OUTCOMES_EVENTS=1000000.
"""

import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import sqlalchemy as sa
from pydantic import SecretStr

from api.database import create_engine, create_sessionmaker, run_in_own_loop
from api.migrations import upgrade
from api.settings import Settings
from gamification.outcomes.measures import MEASURES
from gamification.outcomes.measures_range import MAX_MONTHS
from gamification.outcomes.months import add_months, month_of
from gamification.outcomes.rollup import roll_up
from tests.benchmarks import outcomes_data as data
from tests.benchmarks.accounts import BenchUser, access_tokens, create_users, password_hash_once
from tests.benchmarks.database import choose_server
from tests.benchmarks.servers import HOST, Server, running
from tests.databases import asyncpg_dsn, recreate_database, with_database

DATABASE = os.environ.get("BENCH_DATABASE_NAME", "investquest_bench") + "_outcomes"
USERS = int(os.environ.get("BENCH_OUTCOMES_USERS", 1_000_000))
EVENTS = int(os.environ.get("BENCH_OUTCOMES_EVENTS", 50_000_000))
ENTRIES = int(os.environ.get("BENCH_OUTCOMES_ENTRIES", USERS // 20))
REQUESTS = 20
MARK_SECONDS = 2.0
ZONE = ZoneInfo("Asia/Shanghai")
SECRET = secrets.token_urlsafe(48)
APP = Server(
    "app",
    lambda port, workers: [
        *(sys.executable, "-m", "api.cli", "serve", "--no-scheduler", "--no-seed"),
        *("--host", HOST, "--port", str(port), "--workers", str(workers)),
    ],
)
STAFF_EMAIL = "bench-staff-000000@example.com"


def per_user_events() -> float:
    """The mean of each client's exponential draw: what is left of EVENTS once the sign-ups,
    broker facts (1/3 + 1/6 + 1/12 a client) and contest entries' events are counted."""
    fixed = USERS * (1 + 1 / 3 + 1 / 6 + 1 / 12) + ENTRIES * 11
    return max(EVENTS - fixed, 0) / USERS


async def write_data_set(url: str) -> float:
    """The clients, events, contests and a staff member; the seconds it took."""
    started = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    source = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("SET synchronous_commit = off")
        await data.write_events(source, conn, users=USERS, per_user=per_user_events())
        await data.write_contests(conn, entries=ENTRIES)
        await data.build_indexes(conn)
        now = datetime.now(UTC)
        [staff] = await create_users(
            conn, 1, group="staff", now=now, password_hash=password_hash_once()
        )
        await conn.execute(
            "UPDATE user_account SET roles = ARRAY['learner', 'marketer'],"
            " created_at = now() - interval '5 years' WHERE id = $1",
            staff.id,
        )
        counts = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM user_account) AS users,"
            " (SELECT count(*) FROM activity_event) AS events,"
            " (SELECT count(*) FROM contest_entry) AS entries,"
            " (SELECT count(*) FROM contest_all_fills) AS fills"
        )
        assert counts is not None
        print(f"  data set: {dict(counts)} in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        await source.close()
        await conn.close()
    return time.perf_counter() - started


async def staff_token(url: str) -> str:
    """A token for the data set's staff member, signed with this run's secret."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        row = await conn.fetchrow(
            "SELECT u.id, s.id AS session_id FROM user_account u"
            " JOIN auth_session s ON s.user_id = u.id WHERE u.email = $1",
            STAFF_EMAIL,
        )
    finally:
        await conn.close()
    assert row is not None, "no data set: run `python -m tests.benchmarks.outcomes generate`"
    [token] = access_tokens(
        [BenchUser(row["id"], STAFF_EMAIL, row["session_id"])], SECRET, datetime.now(UTC)
    )
    return token


async def time_rollups(url: str) -> tuple[float, float, str]:
    settings = Settings(_env_file=None, database_url=url, secret_key=SecretStr(SECRET))
    engine = create_engine(url, settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker.begin() as db:  # from nothing, whatever ran before
            await db.execute(sa.text("UPDATE outcome_rollup_state SET covered_until = NULL"))
        started = time.perf_counter()
        run = await roll_up(sessionmaker, now=datetime.now(UTC), zone=ZONE)
        full = time.perf_counter() - started
        started = time.perf_counter()
        await roll_up(sessionmaker, now=datetime.now(UTC) + timedelta(days=1), zone=ZONE)
        daily = time.perf_counter() - started
    finally:
        await engine.dispose()
    return full, daily, f"{run.months} months"


async def time_endpoints(base_url: str, token: str) -> dict[str, dict[str, float]]:
    today = datetime.now(ZONE).date()
    ranges = {
        "12 months": {},
        "36 months": {"from": add_months(month_of(today), 1 - MAX_MONTHS).isoformat()},
    }
    figures: dict[str, dict[str, float]] = {}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        for name in MEASURES:
            for label, params in ranges.items():
                times = []
                for _ in range(REQUESTS):
                    started = time.perf_counter()
                    response = await client.get(f"/v1/admin/outcomes/{name}", params=params)
                    times.append(time.perf_counter() - started)
                    response.raise_for_status()
                times.sort()
                figures[f"{name} ({label})"] = {
                    "p50_ms": round(statistics.median(times) * 1000, 1),
                    "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 1),
                }
    return figures


def print_load(when: str) -> None:
    print(f"  load average (1, 5, 15 min) {when}: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


def report_rollups(full: float, daily: float, scope: str) -> None:
    print(f"outcomes at {USERS:,} clients and ~{EVENTS:,} events ({ENTRIES:,} contest entries):")
    print(f"  rollup from nothing: {full:.1f} s ({scope}); the next daily run: {daily:.1f} s")


def report_endpoints(figures: dict[str, dict[str, float]]) -> bool:
    met = True
    for name, figure in figures.items():
        ok = figure["p99_ms"] <= MARK_SECONDS * 1000
        met = met and ok
        print(
            f"  {name}: p50 {figure['p50_ms']} ms, p99 {figure['p99_ms']} ms"
            f" (mark <= {MARK_SECONDS * 1000:.0f} ms) {'ok' if ok else 'MISSED'}"
        )
    return met


def generate(server_url: str) -> None:
    url = recreate_database(server_url, DATABASE)
    upgrade(url)
    load = run_in_own_loop(lambda: write_data_set(url))
    print(f"  data set written in {load:.0f} s", flush=True)


def time_rollup_step(url: str) -> None:
    upgrade(url)  # a data set written before a later migration gets it (untimed)
    print_load("at the start")
    full, daily, scope = run_in_own_loop(lambda: time_rollups(url))
    report_rollups(full, daily, scope)
    print_load("at the end")


def time_endpoint_step(url: str) -> bool:
    """Each endpoint over HTTP, on the rollup tables the rollup step filled."""
    print_load("at the start")
    token = run_in_own_loop(lambda: staff_token(url))
    env = os.environ | {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", "SECRET_KEY": SECRET}
    with tempfile.TemporaryDirectory(prefix="investquest-bench-") as data_dir:
        env["INVESTQUEST_DATA_DIR"] = data_dir
        with running(APP, env, Path(data_dir) / "app.log") as base_url:
            figures = run_in_own_loop(lambda: time_endpoints(base_url, token))
    met = report_endpoints(figures)
    print_load("at the end")
    return met


STEPS = ("generate", "rollup", "endpoints")


def main() -> None:
    steps = sys.argv[1:] or list(STEPS)
    if not set(steps) <= set(STEPS):
        sys.exit(f"usage: python -m tests.benchmarks.outcomes [{'] ['.join(STEPS)}]")
    source, server_url = choose_server()
    print(f"outcomes bench: database {DATABASE} (server: {source})", flush=True)
    url = with_database(server_url, DATABASE)
    if "generate" in steps:
        generate(server_url)
    if "rollup" in steps:
        time_rollup_step(url)
    if "endpoints" in steps and not time_endpoint_step(url):
        sys.exit(1)


if __name__ == "__main__":
    main()
