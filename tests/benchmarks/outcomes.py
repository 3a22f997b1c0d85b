"""Issue 17's outcomes figures (`make bench` runs it; alone: `python -m tests.benchmarks.outcomes`):

- a data set written with SQL into its own database (`<BENCH_DATABASE_NAME>_outcomes`, default
  `investquest_bench_outcomes`): USERS clients signing up over 24 months (more of them lately),
  a third with a broker account opened within 60 days of signing up, and about EVENTS activity
  events: each client's sign-up (and account opening), then an exponentially distributed number
  of events (mean EVENTS / USERS) spread from the sign-up to now, denser early on, of every
  kind in realistic proportions; plus ENTRIES contest entries over 24 monthly contests, with
  fills and daily equity snapshots, a third of their users completing the
  risk-and-diversification course in the middle of their contest;
- the rollup from nothing (what the first daily job or `investquest outcomes rebuild` does),
  timed, and one daily run after it;
- each measure's endpoint over HTTP (one app server, no scheduler), REQUESTS times one after
  another for the twelve months to today and for 36 months: p50 and p99, marked against 2 s.

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
from pydantic import SecretStr

from api.database import create_engine, create_sessionmaker, run_in_own_loop
from api.migrations import upgrade
from api.settings import Settings
from gamification.outcomes.measures import MEASURES
from gamification.outcomes.measures_range import MAX_MONTHS
from gamification.outcomes.months import add_months, month_of
from gamification.outcomes.rollup import roll_up
from tests.benchmarks.accounts import BenchUser, access_tokens, create_users, password_hash_once
from tests.benchmarks.database import asyncpg_dsn, choose_server
from tests.benchmarks.servers import HOST, Server, running
from tests.databases import recreate_database

DATABASE = os.environ.get("BENCH_DATABASE_NAME", "investquest_bench") + "_outcomes"
USERS = int(os.environ.get("BENCH_OUTCOMES_USERS", 1_000_000))
EVENTS = int(os.environ.get("BENCH_OUTCOMES_EVENTS", 50_000_000))
ENTRIES = int(os.environ.get("BENCH_OUTCOMES_ENTRIES", USERS // 20))
REQUESTS = 20
CHUNKS = 20  # the events are written in this many transactions
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
EVENT_INDEXES = {
    "ix_activity_event_user_id_occurred_at": "(user_id, occurred_at)",
    "ix_activity_event_kind_occurred_at": "(kind, occurred_at)",
}

USERS_SQL = """
INSERT INTO user_account (id, email, password_hash, display_name, locale, timezone, roles,
                          password_changed_at, created_at, public_boards, broker_account_opened_at)
SELECT id, 'client' || n || '@bench.example', 'x', 'client ' || n,
       CASE WHEN n % 4 = 0 THEN 'en' ELSE 'zh-CN' END, 'Asia/Shanghai', ARRAY['learner'],
       created_at, created_at, true,
       CASE WHEN n % 3 = 0 THEN least(now(), created_at + random() * interval '60 days') END
FROM (
    SELECT n, gen_random_uuid() AS id,
           now() - interval '730 days' + interval '730 days' * sqrt(random()) AS created_at
    FROM generate_series(1, $1::integer) AS n
) u
"""

FIRST_EVENTS_SQL = """
INSERT INTO activity_event (user_id, kind, detail, occurred_at)
SELECT id, 'signed_up', NULL, created_at FROM user_account WHERE email LIKE '%@bench.example'
UNION ALL
SELECT id, 'broker_account_opened', NULL, broker_account_opened_at FROM user_account
WHERE broker_account_opened_at IS NOT NULL
"""

# One chunk of users (by a hash of the id): each gets an exponentially distributed number of
# events, spread from its sign-up to now with more of them early, of a kind drawn by weight.
EVENTS_SQL = """
INSERT INTO activity_event (user_id, kind, detail, occurred_at)
SELECT id,
       CASE WHEN r < .25 THEN 'lesson_opened' WHEN r < .42 THEN 'lesson_completed'
            WHEN r < .57 THEN 'quiz_attempted' WHEN r < .70 THEN 'inbox_read'
            WHEN r < .80 THEN 'order_placed' WHEN r < .82 THEN 'contest_joined'
            WHEN r < .86 THEN 'post_published' WHEN r < .865 THEN 'report_filed'
            WHEN r < .895 THEN 'voucher_redeemed' WHEN r < .915 THEN 'voucher_consumed'
            WHEN r < .92 THEN 'nps_answered' ELSE 'lesson_opened' END,
       CASE WHEN r >= .42 AND r < .57 THEN (ARRAY['passed', 'passed', 'failed'])[1 + (d * 3)::int % 3]
            WHEN r >= .865 AND r < .915 THEN (ARRAY['fee', 'yield'])[1 + (d * 2)::int % 2]
            WHEN r >= .915 AND r < .92 THEN ((d * 11)::int % 11)::text
            WHEN r < .42 OR r >= .92 THEN 'lesson-' || (d * 300)::int END,
       created_at + (now() - created_at) * power(random(), 2)
FROM (
    SELECT u.id, u.created_at, random() AS r, random() AS d
    FROM user_account u
    CROSS JOIN LATERAL generate_series(
        1, floor(-ln(1 - random()) * $1::float8 + 0 * extract(epoch FROM u.created_at))::int
    ) AS g
    WHERE u.email LIKE '%@bench.example' AND abs(hashtext(u.id::text)) % $2::integer = $3::integer
) e
"""

CONTESTS_SQL = """
INSERT INTO contest (id, title_zh, title_en, starts_at, ends_at, registration_ends_at,
    late_entry, starting_cash, market_hours, universe_symbols, universe_boards, rule_pack,
    commission_rate, commission_min, stamp_duty_rate, transfer_fee_rate, t_plus_one, entrants,
    ranking, min_round_trips, min_trading_days, prizes, created_at, updated_at)
SELECT gen_random_uuid(), '月赛 ' || m, 'Monthly ' || m, s, s + interval '27 days',
       s + interval '27 days', true, 1000000, 'always', '{}', '{}', 'cn_a_share',
       0.00025, 5, 0.0005, 0.00001, true, 0, 'return', 0, 0, '[]', s, s
FROM generate_series(1, 24) AS m,
     LATERAL (SELECT date_trunc('month', now()) - (24 - m) * interval '1 month' AS s) AS w
"""

ENTRIES_SQL = """
INSERT INTO contest_entry (id, contest_id, user_id, joined_at, starting_cash, cash, cash_held,
                           fees_paid, orders_in_window)
SELECT gen_random_uuid(), c.id, u.id, c.starts_at + interval '1 hour', 1000000, 1000000, 0, 0, 0
FROM (SELECT id, row_number() OVER () AS n FROM user_account
      WHERE email LIKE '%@bench.example' LIMIT $1::integer) u
JOIN (SELECT id, starts_at, row_number() OVER (ORDER BY starts_at) - 1 AS k FROM contest) c
  ON c.k = u.n % 24
"""

# Ten filled market orders per entry over its contest's first 25 days, in five symbols.
ORDERS_SQL = """
INSERT INTO contest_order (id, contest_id, entry_id, user_id, client_order_id, request_hash,
    symbol, side, type, quantity, status, filled_quantity, avg_fill_price, commission,
    stamp_duty, transfer_fee, cash_held, trading_day, expires_at, created_at, updated_at)
SELECT gen_random_uuid(), e.contest_id, e.id, e.user_id, 'o' || g, repeat('0', 64),
       (ARRAY['600000.SH', '000001.SZ', '600519.SH', '300750.SZ', '601318.SH'])[1 + g % 5],
       CASE WHEN g > 7 THEN 'sell' ELSE 'buy' END, 'market', 100 * (1 + g % 3), 'filled',
       100 * (1 + g % 3), 10 + g, 0, 0, 0, 0, (c.starts_at + g * interval '2 days 3 hours')::date,
       c.starts_at + g * interval '2 days 3 hours', c.starts_at + g * interval '2 days 3 hours',
       c.starts_at + g * interval '2 days 3 hours'
FROM contest_entry e JOIN contest c ON c.id = e.contest_id, generate_series(1, 10) AS g
"""

FILLS_SQL = """
INSERT INTO contest_fill (id, order_id, contest_id, entry_id, user_id, symbol, side, quantity,
    price, notional, commission, stamp_duty, transfer_fee, cash_delta, at_limit_up, trading_day,
    filled_at)
SELECT gen_random_uuid(), o.id, o.contest_id, o.entry_id, o.user_id, o.symbol, o.side,
       o.quantity, o.avg_fill_price, o.quantity * o.avg_fill_price, 0, 0, 0,
       CASE o.side WHEN 'buy' THEN -1 ELSE 1 END * o.quantity * o.avg_fill_price, false,
       o.trading_day, o.created_at
FROM contest_order o
"""

SNAPSHOTS_SQL = """
INSERT INTO contest_equity_snapshot (entry_id, trading_day, contest_id, equity, taken_at)
SELECT e.id, (c.starts_at + g * interval '1 day')::date, e.contest_id,
       round((1000000 * (1 + 0.05 * sin(g / 3.0 + hashtext(e.id::text) % 7)))::numeric, 2),
       c.starts_at + g * interval '1 day' + interval '7 hours'
FROM contest_entry e JOIN contest c ON c.id = e.contest_id, generate_series(0, 19) AS g
"""

COURSE_SQL = """
WITH course AS (
    INSERT INTO course_course (id, slug, created_at)
    VALUES (gen_random_uuid(), 'risk-and-diversification', now() - interval '3 years')
    RETURNING id
)
INSERT INTO course_progress (user_id, course_id, started_at, updated_at, completed_at)
SELECT e.user_id, course.id, c.starts_at, c.starts_at, c.starts_at + interval '12 days'
FROM contest_entry e JOIN contest c ON c.id = e.contest_id, course
WHERE abs(hashtext(e.user_id::text)) % 3 = 0
ON CONFLICT DO NOTHING
"""


async def write_data_set(url: str) -> tuple[str, float]:
    """The clients, events and contests; a staff member's token; the seconds it took."""
    started = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("SET synchronous_commit = off")
        await conn.execute(USERS_SQL, USERS)
        await conn.execute(FIRST_EVENTS_SQL)
        for name in EVENT_INDEXES:  # built once after the load: much faster than row by row
            await conn.execute(f"DROP INDEX {name}")
        per_user = max(EVENTS - USERS * 4 // 3, 0) / USERS
        for chunk in range(CHUNKS):
            await conn.execute(EVENTS_SQL, per_user, CHUNKS, chunk)
            print(f"  events: chunk {chunk + 1}/{CHUNKS}", flush=True)
        await conn.execute("SET maintenance_work_mem = '256MB'")
        for name, columns in EVENT_INDEXES.items():
            await conn.execute(f"CREATE INDEX {name} ON activity_event {columns}")
        for statement in (CONTESTS_SQL, ORDERS_SQL, FILLS_SQL, SNAPSHOTS_SQL, COURSE_SQL):
            if statement is ORDERS_SQL:
                await conn.execute(ENTRIES_SQL, ENTRIES)
            await conn.execute(statement)
        await conn.execute("ANALYZE")
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
            " (SELECT count(*) FROM contest_fill) AS fills"
        )
        assert counts is not None
        print(f"  data set: {dict(counts)} in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        await conn.close()
    return staff_token(staff), time.perf_counter() - started


def staff_token(staff: BenchUser) -> str:
    [token] = access_tokens([staff], SECRET, datetime.now(UTC))
    return token


async def time_rollups(url: str) -> tuple[float, float, str]:
    settings = Settings(_env_file=None, database_url=url, secret_key=SecretStr(SECRET))
    engine = create_engine(url, settings)
    sessionmaker = create_sessionmaker(engine)
    try:
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


def report(
    load: float, full: float, daily: float, scope: str, figures: dict[str, dict[str, float]]
) -> bool:
    print(f"outcomes at {USERS:,} clients and ~{EVENTS:,} events ({ENTRIES:,} contest entries):")
    print(f"  data set written in {load:.0f} s")
    print(f"  rollup from nothing: {full:.1f} s ({scope}); the next daily run: {daily:.1f} s")
    met = True
    for name, figure in figures.items():
        ok = figure["p99_ms"] <= MARK_SECONDS * 1000
        met = met and ok
        print(
            f"  {name}: p50 {figure['p50_ms']} ms, p99 {figure['p99_ms']} ms"
            f" (mark <= {MARK_SECONDS * 1000:.0f} ms) {'ok' if ok else 'MISSED'}"
        )
    return met


def main() -> None:
    source, server_url = choose_server()
    print(f"outcomes bench: database {DATABASE} (server: {source})", flush=True)
    url = recreate_database(server_url, DATABASE)
    upgrade(url)
    token, load = run_in_own_loop(lambda: write_data_set(url))
    full, daily, scope = run_in_own_loop(lambda: time_rollups(url))
    env = os.environ | {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", "SECRET_KEY": SECRET}
    with tempfile.TemporaryDirectory(prefix="investquest-bench-") as data_dir:
        env["INVESTQUEST_DATA_DIR"] = data_dir
        with running(APP, env, Path(data_dir) / "app.log") as base_url:
            figures = run_in_own_loop(lambda: time_endpoints(base_url, token))
    if not report(load, full, daily, scope, figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
