"""`make bench`: throughput and latency of the API next to bare baselines, on this machine.

Servers run one at a time on a free loopback port, against a fresh `investquest_bench`
database, in three passes over the scenarios:

1. one uvicorn worker each: a warm-up, the maximum rate (wrk, 2 threads, 32 connections), then
   the latency at half that rate; the ratios to the baselines (and the issues' marks) are
   taken here, so they compare one process with one process;
2. WORKERS worker processes each (default: the number of cores; `BENCH_WORKERS` sets it): a
   warm-up and the maximum rate, next to the one-worker figure (the N vs 1 ratio);
3. one worker again, its database connections through a counting proxy (benchmarks/wire.py):
   COUNTED_REQUESTS requests one at a time after WARMUP_REQUESTS, and per request the
   statements the app sent and the round trips it waited for, read at the wire from the
   PostgreSQL protocol (a round trip is one ReadyForQuery: BEGIN, each statement, COMMIT, a
   pool's pre-ping, a first prepare each count one). Exact and free of timing noise, so a
   change that saves one round trip shows as one less.

The tables go to stdout and everything, with the machine and the ratios to the baselines, to
bench-results.json. S8 (the mobile session, mobile.lua) mixes what the app asks when opened.

Before the servers start, the data sets the issues ask for are written straight into the
database (tests/benchmarks/: accounts.py, learning.py, vouchers.py; their token and id files go
to a temporary folder the Lua scripts read). After the HTTP scenarios, the redemption storm's
stock is counted and the ledger reconciled; then the ledger's earn postings are driven
in-process (ledger.py) and the ledger reconciled again. Last, each figure an issue sets a mark
for is printed next to its mark. Servers log to .investquest/bench-logs/; the bench prints how
many ERROR lines each logged (wrk closing its connections at the end of a run cuts requests
short, which the app logs as errors).

To add a scenario, append to SCENARIOS; a wrk Lua script under tests/benchmarks/ can set the
method, path, body and headers (see wrk's SCRIPTING, and common.lua for the data files and the
count of responses by status), and `baseline` names the scenario to compare to.
"""

import argparse
import dataclasses
import itertools
import json
import os
import platform
import secrets
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.database import create_engine, create_sessionmaker, run_in_own_loop
from api.settings import Settings
from tests.benchmarks import accounts, contests, learning, ledger, vouchers
from tests.benchmarks.database import (
    BENCH_DATABASE,
    choose_server,
    prepare_database,
    server_version,
)
from tests.benchmarks.servers import HOST, Server, logged_errors, running, uvicorn_server
from tests.benchmarks.wire import WireCounts, wire_proxy
from tests.benchmarks.wrk import (
    CONNECTIONS,
    DURATION_SECONDS,
    PACE_INTERVAL_MS,
    THREADS,
    WARMUP_SECONDS,
    Wrk,
    WrkResult,
    ensure_wrk,
)
from tests.databases import asyncpg_dsn

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = REPO_ROOT / "bench-results.json"
PARTIAL_RESULTS_FILE = REPO_ROOT / "bench-results-only.json"  # a run with `--only`
LOG_DIR = REPO_ROOT / ".investquest" / "bench-logs"  # each server's output, kept for reading
SCRIPTS = Path(__file__).resolve().parent / "benchmarks"
HALF_LOAD_METHOD = (
    "wrk with pace.lua: each connection waits an exponential delay (mean about "
    f"{PACE_INTERVAL_MS} ms, less the response time expected at half load, 1/rate) before each "
    "request, with as many connections as half the maximum rate needs (wrk2 is not packaged); "
    "rps is the rate reached"
)
DRIVER_HALF_LOAD_METHOD = (
    "in-process: Poisson arrivals at half the maximum transaction rate, served by the same "
    "clients; latency counted from each arrival"
)
# The quiz scenario answers far more quizzes a day than a learner may (QUIZ_DAILY_ATTEMPTS,
# default 5, at most 1000): the bench server allows the most.
QUIZ_DAILY_ATTEMPTS = 1000
WORKERS = int(os.environ.get("BENCH_WORKERS") or os.cpu_count() or 1)
WARMUP_REQUESTS = 20  # before the counted requests: the connections' statement caches fill
COUNTED_REQUESTS = 100
SETTLE_SECONDS = 0.3  # after the last answer, for work the server does after it (a pool return)

# The ratios' keys (in bench-results.json) and their column headings.
RATIO_COLUMNS = {
    "rps": "rps",
    "p50_ms": "p50",
    "p99_ms": "p99",
    "half_load_p50_ms": "half p50",
    "half_load_p99_ms": "half p99",
}

T = TypeVar("T")


@dataclass(frozen=True)
class Scenario:
    """One measured request. `key` is its short name for `--only`; `script` is a wrk Lua script
    for the method, path, body and headers (`path` then only names the route); `baseline` is
    the name of the scenario this one is compared with; `expected` are non-2xx statuses that are
    a normal answer here (not errors), such as 409 out-of-stock in the redemption storm."""

    key: str
    name: str
    server: Server
    path: str
    script: Path | None = None
    baseline: str | None = None
    expected: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Measurement:
    """One scenario at `workers` processes; the half-load run only at one worker."""

    scenario: Scenario
    workers: int
    max_rate: WrkResult
    half_load: WrkResult | None

    @property
    def errors(self) -> int:
        """Failed requests at both loads, less the answers the scenario expects."""
        runs = [self.max_rate] + ([self.half_load] if self.half_load else [])
        expected = sum(
            result.statuses.get(status, 0) for result in runs for status in self.scenario.expected
        )
        return sum(result.errors for result in runs) - expected


@dataclass(frozen=True)
class WirePerRequest:
    """What one request of a scenario asked of PostgreSQL, counted at the wire."""

    requests: int
    round_trips: float
    statements: float
    prepares: float


B_JSON = uvicorn_server("B-json", "tests.benchmarks.baselines:json_app")
B_DB = uvicorn_server("B-db", "tests.benchmarks.baselines:db_app")
APP = Server(
    "app",
    lambda port, workers: [
        *(sys.executable, "-m", "api.cli", "serve", "--no-scheduler", "--no-seed"),
        *("--host", HOST, "--port", str(port), "--workers", str(workers)),
    ],
)
ME = "GET /v1/me"
LOGIN = "POST login"
LESSON = "S1a lesson"
COURSE = "S1b course page"
QUIZ = "quiz attempt"
STORM = "redemption storm"
MOBILE = "S8 mobile session"

# Consecutive scenarios on the same server share one start of it.
SCENARIOS = [
    Scenario("b-json", "B-json", B_JSON, "/json"),
    Scenario("b-db", "B-db", B_DB, "/item"),
    Scenario("b-db-page", "B-db-page", B_DB, "/page"),
    Scenario("live", "/health/live", APP, "/health/live", baseline="B-json"),
    Scenario("ready", "/health/ready", APP, "/health/ready", baseline="B-db"),
    Scenario("me", ME, APP, "/v1/me", SCRIPTS / "me.lua", baseline="B-db"),
    Scenario("login", LOGIN, APP, "/v1/auth/login", SCRIPTS / "login.lua"),
    Scenario("lesson", LESSON, APP, "/v1/lessons/{id}", SCRIPTS / "lesson.lua", baseline="B-db"),
    Scenario(
        "course",
        COURSE,
        APP,
        "/v1/courses/{slug}",
        SCRIPTS / "course.lua",
        baseline="B-db-page",
    ),
    Scenario(
        "quiz", QUIZ, APP, "/v1/lessons/{id}/quiz-attempts", SCRIPTS / "quiz.lua", baseline="B-db"
    ),
    Scenario(
        "storm",
        STORM,
        APP,
        "/v1/vouchers/redemptions",
        SCRIPTS / "redeem.lua",
        baseline="B-db",
        expected=frozenset({409}),
    ),
    # 409: a completion that overtook its lesson's opening on another connection (rare).
    Scenario(
        "mobile",
        MOBILE,
        APP,
        "8 routes",
        SCRIPTS / "mobile.lua",
        baseline="B-db",
        expected=frozenset({409}),
    ),
    *(
        Scenario(key, name, APP, path, SCRIPTS / script, baseline="B-db")
        for key, name, path, script in contests.SCENARIOS
    ),
]
LEDGER = "ledger"  # `--only` key of the in-process earn postings (issue 5)


def select_scenarios(only: str | None) -> tuple[list[Scenario], bool]:
    """The scenarios `--only` names (comma-separated keys), with the baselines they are compared
    with, in SCENARIOS' order; and whether the in-process ledger runs. Everything without it."""
    if only is None:
        return list(SCENARIOS), True
    keys = {key.strip() for key in only.split(",") if key.strip()}
    known = {scenario.key for scenario in SCENARIOS} | {LEDGER}
    if unknown := keys - known:
        raise SystemExit(
            f"--only: unknown scenario(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(known))}"
        )
    chosen = [scenario for scenario in SCENARIOS if scenario.key in keys]
    baselines = {scenario.baseline for scenario in chosen}
    return [s for s in SCENARIOS if s in chosen or s.name in baselines], LEDGER in keys


@dataclass(frozen=True)
class DataSets:
    learners: int
    learning: learning.LearningDataSet
    vouchers: vouchers.VoucherDataSet
    earners: list[uuid.UUID]
    argon2: accounts.Argon2Cost
    seconds: dict[str, float]


@dataclass(frozen=True)
class LedgerRun:
    measurements: list[ledger.DriverMeasurement]
    breaks: list[str]


@dataclass(frozen=True)
class Mark:
    """A figure an issue sets a mark for, and whether it reached it."""

    issue: int
    figure: str
    value: float
    good: str
    met: bool
    moonshot: str | None = None
    moonshot_met: bool | None = None


def run_scenarios(
    wrk: Wrk, scenarios: Sequence[Scenario], env: Mapping[str, str], *, workers: int
) -> list[Measurement]:
    measurements: list[Measurement] = []
    for server, group in itertools.groupby(scenarios, key=lambda scenario: scenario.server):
        print(f"{server.name}, {workers} worker(s): starting", flush=True)
        log = LOG_DIR / f"{server.name}-{workers}w.log"
        with running(server, env, log, workers=workers) as base_url:
            measurements += [measure(wrk, scenario, base_url, workers) for scenario in group]
        report_logged_errors(server, log)
    return measurements


def report_logged_errors(server: Server, log: Path) -> None:
    errors, exceptions = logged_errors(log)
    if errors:
        print(f"{server.name}: {errors} ERROR lines in {log.relative_to(REPO_ROOT)}")
        for exception, count in exceptions.most_common(5):
            print(f"  {count} x {exception}")


def measure(wrk: Wrk, scenario: Scenario, base_url: str, workers: int) -> Measurement:
    url = _scenario_url(scenario, base_url)
    if workers > 1:
        print(f"  {scenario.name}: warm-up, maximum rate", flush=True)
        wrk.warm_up(url, scenario.script)
        return Measurement(scenario, workers, wrk.max_rate(url, scenario.script), None)
    print(f"  {scenario.name}: warm-up, maximum rate, half rate", flush=True)
    wrk.warm_up(url, scenario.script)
    full = wrk.max_rate(url, scenario.script)
    half = wrk.at_rate(url, scenario.script, full.rps / 2)
    return Measurement(scenario, workers, full, half)


def _scenario_url(scenario: Scenario, base_url: str) -> str:
    # A script sends its own paths; the URL then only says where the server is.
    return base_url + (scenario.path if scenario.script is None else "/")


def count_wire(
    wrk: Wrk, scenarios: Sequence[Scenario], env: Mapping[str, str], url: str
) -> dict[str, WirePerRequest]:
    """Each scenario's statements and round trips per request, one worker, through the proxy."""
    counted: dict[str, WirePerRequest] = {}
    with wire_proxy(url) as (proxy, proxied_url):
        for server, group in itertools.groupby(scenarios, key=lambda scenario: scenario.server):
            print(f"{server.name}, through the counting proxy: starting", flush=True)
            log = LOG_DIR / f"{server.name}-counted.log"
            with running(server, dict(env) | {"DATABASE_URL": proxied_url}, log) as base_url:
                for scenario in group:
                    target = _scenario_url(scenario, base_url)
                    wrk.one_by_one(target, scenario.script, WARMUP_REQUESTS)
                    time.sleep(SETTLE_SECONDS)
                    proxy.take()
                    answered = wrk.one_by_one(target, scenario.script, COUNTED_REQUESTS)
                    time.sleep(SETTLE_SECONDS)
                    counted[scenario.name] = _per_request(proxy.take(), answered.requests)
            report_logged_errors(server, log)
    return counted


def _per_request(counts: WireCounts, requests: int) -> WirePerRequest:
    def share(count: int) -> float:
        return round(count / requests, 2) if requests else 0.0

    return WirePerRequest(
        requests, share(counts.round_trips), share(counts.statements), share(counts.prepares)
    )


def ratios(measurements: Sequence[Measurement]) -> list[dict[str, object]]:
    """Each scenario with a baseline over that baseline: rps, and latency at both loads."""
    by_name = {measurement.scenario.name: measurement for measurement in measurements}
    return [
        _ratio(measurement, by_name[measurement.scenario.baseline])
        for measurement in measurements
        if measurement.scenario.baseline is not None
    ]


def _ratio(measurement: Measurement, baseline: Measurement) -> dict[str, object]:
    full, half = measurement.max_rate, _half(measurement)
    base_full, base_half = baseline.max_rate, _half(baseline)
    return {
        "scenario": measurement.scenario.name,
        "baseline": baseline.scenario.name,
        "rps": _quotient(full.rps, base_full.rps),
        "p50_ms": _quotient(full.p50_ms, base_full.p50_ms),
        "p99_ms": _quotient(full.p99_ms, base_full.p99_ms),
        "half_load_p50_ms": _quotient(half.p50_ms, base_half.p50_ms),
        "half_load_p99_ms": _quotient(half.p99_ms, base_half.p99_ms),
    }


def _quotient(value: float, base: float) -> float | None:
    return round(value / base, 3) if base else None


# --- the data sets -------------------------------------------------------------------------


def prepare_data_sets(url: str, data_dir: Path, secret: str) -> DataSets:
    return run_in_own_loop(lambda: _prepare_data_sets(url, data_dir, secret))


async def _prepare_data_sets(url: str, data_dir: Path, secret: str) -> DataSets:
    seconds: dict[str, float] = {}
    now = datetime.now(UTC)
    password_hash = accounts.password_hash_once()
    argon2 = accounts.argon2_cost(password_hash)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    engine, sessionmaker = _engine(url)
    try:
        learners = await _timed(
            seconds,
            "accounts",
            accounts.prepare_accounts(
                conn, data_dir, secret=secret, now=now, password_hash=password_hash
            ),
        )
        courses = await _timed(
            seconds, "learning", learning.prepare_learning(sessionmaker, conn, data_dir, now)
        )
        storm = await _timed(
            seconds,
            "vouchers",
            vouchers.prepare_vouchers(
                sessionmaker, conn, data_dir, secret=secret, now=now, password_hash=password_hash
            ),
        )
        await _timed(
            seconds,
            "contests",
            contests.prepare_contests(
                sessionmaker, conn, data_dir, secret=secret, now=now, password_hash=password_hash
            ),
        )
        earners = await _timed(
            seconds,
            "ledger",
            accounts.create_users(
                conn, ledger.EARNERS, group="earner", now=now, password_hash=password_hash
            ),
        )
        for table in ("user_account", "auth_session"):
            await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()
        await engine.dispose()
    return DataSets(
        learners=len(learners),
        learning=courses,
        vouchers=storm,
        earners=[user.id for user in earners],
        argon2=argon2,
        seconds=seconds,
    )


def _engine(url: str, pool_size: int = 5) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    """An engine like the app's (its settings, its connection options)."""
    settings = Settings(database_url=url, db_pool_size=pool_size, db_max_overflow=0)
    engine = create_engine(url, settings)
    return engine, create_sessionmaker(engine)


async def _timed(seconds: dict[str, float], name: str, work: Awaitable[T]) -> T:
    started = time.monotonic()
    print(f"  data set {name}: writing", flush=True)
    result = await work
    seconds[name] = round(time.monotonic() - started, 1)
    print(f"  data set {name}: {seconds[name]:.1f} s", flush=True)
    return result


def describe_data_sets(data: DataSets) -> None:
    print(
        f"data sets: {data.learners:,} learners (accounts, learning); "
        f"{data.learning.courses:,} published courses, {data.learning.lessons:,} lessons "
        f"({data.learning.lesson_texts:,} lesson texts, {data.learning.questions:,} questions); "
        f"{data.vouchers.products} voucher products ({data.vouchers.units:,} units), "
        f"{data.vouchers.funded_users:,} funded users ({data.vouchers.points_funded:,} points); "
        f"{len(data.earners):,} earners",
        flush=True,
    )


# --- after the HTTP scenarios: the storm's stock, the ledger, in-process earn postings --------


def count_storm(url: str) -> tuple[vouchers.StockReport, list[str]]:
    """The redemption storm's stock per product, and the ledger's breaks after it."""

    async def run() -> tuple[vouchers.StockReport, list[str]]:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        engine, sessionmaker = _engine(url)
        try:
            return await vouchers.count_stock(conn), await ledger.ledger_breaks(sessionmaker)
        finally:
            await conn.close()
            await engine.dispose()

    return run_in_own_loop(run)


def run_ledger(url: str, earners: Sequence[uuid.UUID]) -> LedgerRun:
    async def run() -> LedgerRun:
        engine, sessionmaker = _engine(url, pool_size=ledger.CLIENTS)
        driver = ledger.EarnDriver(sessionmaker, earners)
        try:
            measurements = []
            for name, operation, clients in (
                ("earn, single", driver.single, ledger.CLIENTS),
                (f"earn, bulk of {ledger.BULK_SIZE}", driver.bulk, ledger.BULK_CLIENTS),
            ):
                print(f"  {name}: warm-up, maximum rate, half rate", flush=True)
                measurements.append(await ledger.measure(name, operation, clients))
            print("  ledger check", flush=True)
            return LedgerRun(measurements, await ledger.ledger_breaks(sessionmaker))
        finally:
            await engine.dispose()

    return run_in_own_loop(run)


# --- the marks the issues set ----------------------------------------------------------------


def marks(
    measurements: Sequence[Measurement],
    stock: vouchers.StockReport | None,
    storm_breaks: Sequence[str],
    ledger_run: LedgerRun | None,
) -> list[Mark]:
    """The marks of issues 3 to 6 whose scenarios ran (all of them in a whole run)."""
    by_name = {m.scenario.name: m for m in measurements}
    found: list[Mark] = []
    for issue, name, figure, good, moonshot in (
        (3, ME, "GET /v1/me rps / B-db rps", 0.5, None),
        (4, LESSON, "S1a lesson rps / B-db rps", 0.5, 0.85),
        (4, COURSE, "S1b course page rps / B-db-page rps", 0.5, None),
    ):
        if name in by_name:
            found.append(
                _at_least(issue, figure, _rps_ratio(by_name, name), good, moonshot=moonshot)
            )
    if QUIZ in by_name:
        quizzes = round(by_name[QUIZ].max_rate.rate_of(200), 1)
        found.append(_at_least(4, "quiz attempts of 10 answers / s (200s)", quizzes, 800))
    if ledger_run is not None:
        single, bulk = ledger_run.measurements
        found += [
            _at_least(
                5,
                "single earn postings / s (32 clients)",
                single.max_rate.postings_per_second,
                1_500,
                moonshot=3_000,
            ),
            _at_least(
                5,
                "bulk award postings / s (100 a request)",
                bulk.max_rate.postings_per_second,
                10_000,
            ),
            _at_most(5, "ledger breaks after the earn runs", len(ledger_run.breaks), 0),
        ]
    if STORM in by_name and stock is not None:
        storm = by_name[STORM]
        redeemed = round(storm.max_rate.rate_of(201), 1)
        found += [
            _at_least(6, "successful redemptions / s", redeemed, 1_000, moonshot=2_500),
            _at_most(6, "redemption p99 ms at half the maximum", _half(storm).p99_ms, 50),
            _at_most(6, "oversold units", stock.oversold_units, 0),
            _at_most(6, "products whose stock is not total - issued", stock.stock_mismatches, 0),
            _at_most(6, "ledger breaks after the storm", len(storm_breaks), 0),
        ]
    return found


def issue_11_marks(
    one: Sequence[Measurement],
    many: Sequence[Measurement],
    wire: Mapping[str, WirePerRequest],
    stock: vouchers.StockReport | None,
    ledger_run: LedgerRun | None,
) -> list[Mark]:
    """Issue 11's marks whose scenarios ran: ratios to B-db (or B-db-page) measured in this run
    at one worker each, S8's scaling from one worker to WORKERS, and the round trips of an
    authenticated read."""
    by_name = {m.scenario.name: m for m in one}
    found: list[Mark] = []
    for name, figure, good in (
        (ME, "GET /v1/me rps / B-db", 0.5),
        (LESSON, "lesson detail rps / B-db", 0.3),
        (COURSE, "course page rps / B-db-page", 0.4),
        (QUIZ, "quiz attempt rps / B-db", 0.1),
    ):
        if name in by_name:
            found.append(_at_least(11, figure, _rps_ratio(by_name, name), good))
    if ledger_run is not None and "B-db" in by_name:
        postings = ledger_run.measurements[0].max_rate.postings_per_second
        b_db = by_name["B-db"].max_rate.rps
        found.append(_at_least(11, "single earn postings/s / B-db rps", _over(postings, b_db), 0.3))
    if STORM in by_name and stock is not None:
        storm = by_name[STORM]
        redeemed = _over(storm.max_rate.rate_of(201), by_name["B-db"].max_rate.rps)
        found += [
            _at_least(11, "redeemed/s (201s) / B-db rps", redeemed, 0.2),
            _at_most(11, "redemption p99 ms at half the maximum", _half(storm).p99_ms, 50),
            _at_most(11, "oversold units", stock.oversold_units, 0),
        ]
    if MOBILE in by_name:
        mobile_many = next(m for m in many if m.scenario.name == MOBILE)
        scaling = _over(mobile_many.max_rate.rps, by_name[MOBILE].max_rate.rps)
        found += [
            _at_least(11, "S8 mobile session rps / B-db", _rps_ratio(by_name, MOBILE), 0.25),
            _at_least(
                11,
                f"S8 at {mobile_many.workers} workers / at 1"
                + (" (mark for 2 cores)" if mobile_many.workers != 2 else ""),
                scaling,
                1.6,
            ),
        ]
    if ME in wire:
        found.append(
            _at_most(11, "round trips of GET /v1/me (authenticated read)", wire[ME].round_trips, 2)
        )
    return found


def _ratios_of(measurements: Sequence[Measurement]) -> Callable[[str], float]:
    by_name = {m.scenario.name: m for m in measurements}
    return lambda name: _rps_ratio(by_name, name)


def _rps_ratio(by_name: Mapping[str, Measurement], name: str) -> float:
    measurement = by_name[name]
    assert measurement.scenario.baseline is not None
    return _over(measurement.max_rate.rps, by_name[measurement.scenario.baseline].max_rate.rps)


def _over(value: float, base: float) -> float:
    return round(value / base, 3) if base else 0.0


def _half(measurement: Measurement) -> WrkResult:
    assert measurement.half_load is not None, "the half-load run is made at one worker"
    return measurement.half_load


def _at_least(
    issue: int, figure: str, value: float, good: float, *, moonshot: float | None = None
) -> Mark:
    return Mark(
        issue,
        figure,
        value,
        f">= {good:g}",
        value >= good,
        f">= {moonshot:g}" if moonshot is not None else None,
        value >= moonshot if moonshot is not None else None,
    )


def _at_most(issue: int, figure: str, value: float, good: float) -> Mark:
    return Mark(issue, figure, value, f"<= {good:g}", value <= good)


# --- printing ----------------------------------------------------------------------------


def print_table(
    measurements: Sequence[Measurement],
    compared: Sequence[dict[str, object]],
    wire: Mapping[str, WirePerRequest],
) -> None:
    width = max(len(measurement.scenario.name) for measurement in measurements) + 2
    print(f"\n1 worker{'':{width}}{'maximum rate':^30}{'half load':^30}{'per request':^16}")
    figures = 2 * f"{'rps':>10}{'p50 ms':>10}{'p99 ms':>10}"
    print(f"{'scenario':<{width}}{'server':<8}{figures}{'trips':>8}{'stmts':>8}{'errors':>8}")
    for measurement in measurements:
        full, half = measurement.max_rate, _half(measurement)
        counted = wire[measurement.scenario.name]
        print(
            f"{measurement.scenario.name:<{width}}{measurement.scenario.server.name:<8}"
            f"{_figures(full)}{_figures(half)}{counted.round_trips:>8.2f}"
            f"{counted.statements:>8.2f}{measurement.errors:>8}"
        )
    if any(m.errors for m in measurements):
        print(
            "\nWARNING: some requests failed (unexpected non-2xx/3xx or socket errors): "
            "see `errors`, and `statuses` in bench-results.json"
        )
    print(f"\nhalf load: {HALF_LOAD_METHOD}")
    print(
        f"per request: round trips and statements at the wire, {COUNTED_REQUESTS} requests one "
        f"at a time after {WARMUP_REQUESTS} (see this module's docstring)\n"
    )
    print(
        f"{'ratio to baseline':<32}" + "".join(f"{label:>10}" for label in RATIO_COLUMNS.values())
    )
    for ratio in compared:
        quotients = "".join(f"{_times(ratio[column]):>10}" for column in RATIO_COLUMNS)
        print(f"{ratio['scenario']} / {ratio['baseline']}".ljust(32) + quotients)


def print_workers_table(one: Sequence[Measurement], many: Sequence[Measurement]) -> None:
    """The maximum rate at WORKERS processes, next to one worker's and its baseline's."""
    by_name = {m.scenario.name: m for m in many}
    width = max(len(measurement.scenario.name) for measurement in many) + 2
    workers = many[0].workers
    print(f"\n{workers} workers{'':{width - 2}}{'maximum rate':^30}")
    print(
        f"{'scenario':<{width}}{'server':<8}{'rps':>10}{'p50 ms':>10}{'p99 ms':>10}"
        f"{'errors':>8}{'/ 1 worker':>12}{'/ baseline':>12}"
    )
    for single in one:
        measurement = by_name[single.scenario.name]
        baseline = single.scenario.baseline
        base = _times(_rps_ratio(by_name, measurement.scenario.name)) if baseline else "-"
        print(
            f"{measurement.scenario.name:<{width}}{measurement.scenario.server.name:<8}"
            f"{_figures(measurement.max_rate)}{measurement.errors:>8}"
            f"{_times(_over(measurement.max_rate.rps, single.max_rate.rps)):>12}{base:>12}"
        )


def _figures(result: WrkResult) -> str:
    return f"{result.rps:>10.0f}{result.p50_ms:>10.2f}{result.p99_ms:>10.2f}"


def _times(value: object) -> str:
    return f"{value:.2f}x" if isinstance(value, float) else "-"


def print_details(
    data: DataSets,
    measurements: Sequence[Measurement],
    stock: vouchers.StockReport | None,
    ledger_run: LedgerRun | None,
) -> None:
    by_name = {m.scenario.name: m for m in measurements}
    argon2 = data.argon2
    if LOGIN in by_name:
        print(
            f"\nlogins: {by_name[LOGIN].max_rate.rps:.1f}/s with argon2id "
            f"m={argon2.memory_kib} KiB, t={argon2.iterations}, p={argon2.parallelism}: one "
            f"verification takes {argon2.verify_ms:.1f} ms here (at most "
            f"{argon2.per_core_per_second:.0f}/s a core)"
        )
    if STORM in by_name:
        storm = by_name[STORM]
        for label, result in (("maximum rate", storm.max_rate), ("half load", _half(storm))):
            print(
                f"redemption storm, {label}: {result.rate_of(201):.1f} redeemed/s of "
                f"{result.rps:.1f} requests/s ({_answers(result)})"
            )
    if MOBILE in by_name:
        print(f"S8 mobile session, maximum rate: {_answers(by_name[MOBILE].max_rate)}")
    if stock is not None:
        print(
            f"storm stock: {stock.issued:,} vouchers issued of {stock.units:,} units in "
            f"{stock.products} products; the scarce product: {stock.scarce_issued} issued, "
            f"{stock.scarce_remaining} left; oversold units {stock.oversold_units}, stock "
            f"mismatches {stock.stock_mismatches}, vouchers without their debit "
            f"{stock.unpaid_vouchers}"
        )
    if ledger_run is None:
        return
    print(
        f"\n{'in-process ledger':<26}{'clients':>8}{'postings/s':>12}{'tx/s':>9}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'half: /s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
    )
    for run in ledger_run.measurements:
        full, half = run.max_rate, run.half_load
        print(
            f"{run.name:<26}{full.clients:>8}{full.postings_per_second:>12.0f}"
            f"{full.transactions_per_second:>9.0f}{full.p50_ms:>9.2f}{full.p99_ms:>9.2f}"
            f"{half.postings_per_second:>10.0f}{half.p50_ms:>9.2f}{half.p99_ms:>9.2f}"
            f"{full.errors + half.errors:>8}"
        )
    print(f"half load: {DRIVER_HALF_LOAD_METHOD}")


def _answers(result: WrkResult) -> str:
    return ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses.items()))


def print_marks(found: Sequence[Mark]) -> None:
    print(f"\n{'issue':<7}{'figure':<46}{'value':>12}  {'good':<10}{'moonshot':<14}")
    for mark in found:
        verdict = "ok" if mark.met else "SHORT"
        moonshot = ""
        if mark.moonshot is not None:
            moonshot = f"{mark.moonshot} {'yes' if mark.moonshot_met else 'no'}"
        print(
            f"#{mark.issue:<6}{mark.figure:<46}{mark.value:>12,.2f}  "
            f"{mark.good + ' ' + verdict:<10}  {moonshot}"
        )


def results_document(
    measurements: Sequence[Measurement],
    many: Sequence[Measurement],
    wire: Mapping[str, WirePerRequest],
    compared: Sequence[dict[str, object]],
    *,
    wrk: Wrk,
    database: dict[str, str],
    started: datetime,
    load_average: float,
    extra: Mapping[str, object],
) -> dict[str, object]:
    finished = datetime.now(UTC)
    return {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "duration_seconds": round((finished - started).total_seconds(), 1),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "wrk": wrk.version(),
            "load_average_at_start": load_average,
            "load_average_at_end": round(os.getloadavg()[0], 2),
        },
        "database": database,
        "method": {
            "threads": THREADS,
            "connections": CONNECTIONS,
            "warmup_seconds": WARMUP_SECONDS,
            "duration_seconds": DURATION_SECONDS,
            "half_load": HALF_LOAD_METHOD,
            "in_process_half_load": DRIVER_HALF_LOAD_METHOD,
            "workers": WORKERS,
            "per_request": {
                "warmup_requests": WARMUP_REQUESTS,
                "counted_requests": COUNTED_REQUESTS,
                "how": "round trips (ReadyForQuery), statements (Execute, Query) and prepares "
                "(Parse) read at the wire by a proxy between one app worker and PostgreSQL",
            },
        },
        "results": {
            measurement.scenario.name: _scenario_document(measurement, wire)
            for measurement in measurements
        },
        "results_at_workers": {
            measurement.scenario.name: {
                "workers": measurement.workers,
                **asdict(measurement.max_rate),
            }
            for measurement in many
        },
        "ratios": list(compared),
        **extra,
    }


def _scenario_document(
    measurement: Measurement, wire: Mapping[str, WirePerRequest]
) -> dict[str, object]:
    scenario = measurement.scenario
    return {
        "server": scenario.server.name,
        "path": scenario.path,
        "script": str(scenario.script.relative_to(REPO_ROOT)) if scenario.script else None,
        "baseline": scenario.baseline,
        "expected_statuses": sorted(scenario.expected),
        **asdict(measurement.max_rate),
        "half_load": {
            "target_rps": round(measurement.max_rate.rps / 2, 1),
            **asdict(_half(measurement)),
        },
        "per_request": asdict(wire[scenario.name]),
    }


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """Exit through SystemExit: the default SIGTERM handler would skip stopping the servers."""
    sys.exit(128 + signum)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument(
        "--only",
        metavar="KEYS",
        help="measure only these scenarios (comma-separated: "
        + ", ".join([scenario.key for scenario in SCENARIOS] + [LEDGER])
        + "), with their baselines; the results go to "
        + PARTIAL_RESULTS_FILE.name,
    )
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    scenarios, with_ledger = select_scenarios(arguments.only)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    started, clock = datetime.now(UTC), time.monotonic()
    load_average = round(os.getloadavg()[0], 2)
    print(f"load average at start: {load_average} (anything else running skews the figures)")
    wrk = ensure_wrk()
    source, server_url = choose_server()
    print(f"database: {BENCH_DATABASE} (server: {source})", flush=True)
    url = prepare_database(server_url)
    secret = secrets.token_urlsafe(48)
    with tempfile.TemporaryDirectory(prefix="investquest-bench-") as data_dir:
        data = prepare_data_sets(url, Path(data_dir), secret)
        describe_data_sets(data)
        wrk = dataclasses.replace(
            wrk, env={"BENCH_DATA_DIR": data_dir, "BENCH_LUA_DIR": str(SCRIPTS)}
        )
        env = os.environ | {
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
            "SECRET_KEY": secret,
            "QUIZ_DAILY_ATTEMPTS": str(QUIZ_DAILY_ATTEMPTS),
            "LESSON_MIN_READ_FACTOR": "0",  # S8 completes lessons it has just opened
        }
        measurements = run_scenarios(wrk, scenarios, env, workers=1)
        many = run_scenarios(wrk, scenarios, env, workers=WORKERS)
        wire = count_wire(wrk, scenarios, env, url)
    stock: vouchers.StockReport | None = None
    storm_breaks: list[str] = []
    if any(scenario.name == STORM for scenario in scenarios):
        print("after the storm: counting stock, checking the ledger", flush=True)
        stock, storm_breaks = count_storm(url)
    ledger_run = None
    if with_ledger:
        print("in-process ledger (issue 5):", flush=True)
        ledger_run = run_ledger(url, data.earners)
    compared = ratios(measurements)
    found = [
        *marks(measurements, stock, storm_breaks, ledger_run),
        *issue_11_marks(measurements, many, wire, stock, ledger_run),
        *(
            _at_least(*mark)
            for mark in contests.marks(
                _ratios_of(measurements), {m.scenario.name for m in measurements}
            )
        ),
    ]
    if measurements:  # `--only ledger` measures no HTTP scenario
        print_table(measurements, compared, wire)
        print_workers_table(measurements, many)
    print_details(data, measurements, stock, ledger_run)
    checks = {"after_storm": storm_breaks if stock is not None else None}
    checks["after_earns"] = ledger_run.breaks if ledger_run is not None else None
    for name, breaks in checks.items():
        if breaks is not None:
            print(
                f"ledger check {name.replace('_', ' ')}: {len(breaks)} breaks"
                + "".join(f"\n  {b}" for b in breaks)
            )
    print_marks(found)
    print(f"\nload average at start {load_average}, now {os.getloadavg()[0]:.2f}")
    database = {"source": source, "server_version": server_version(url)}
    logins = [m.max_rate.rps for m in measurements if m.scenario.name == LOGIN]
    document = results_document(
        measurements,
        many,
        wire,
        compared,
        wrk=wrk,
        database=database,
        started=started,
        load_average=load_average,
        extra={
            "only": arguments.only,
            "data_sets": {
                "learners": data.learners,
                "learning": asdict(data.learning),
                "vouchers": asdict(data.vouchers),
                "earners": len(data.earners),
                "seconds_to_write": data.seconds,
            },
            "logins": {
                "rps": logins[0] if logins else None,
                "argon2id": asdict(data.argon2),
            },
            "redemption_storm": asdict(stock) if stock is not None else None,
            "in_process_ledger": [asdict(run) for run in ledger_run.measurements]
            if ledger_run is not None
            else None,
            "ledger_checks": checks,
            "marks": [asdict(mark) for mark in found],
        },
    )
    results = RESULTS_FILE if arguments.only is None else PARTIAL_RESULTS_FILE
    results.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwritten to {results.name}; the bench took {time.monotonic() - clock:.0f} s")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("bench interrupted (its servers are stopped)")
