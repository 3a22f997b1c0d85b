"""`make bench`: throughput and latency of the API next to bare baselines, on this machine.

Servers run one at a time, each one uvicorn worker on a free loopback port, against a fresh
`investquest_bench` database. For each scenario: a warm-up, the maximum rate (wrk, 2 threads,
32 connections), then the latency at half that rate. The table goes to stdout and everything,
with the machine and the ratios to the baselines, to bench-results.json.

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
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.database import create_engine, create_sessionmaker, run_in_own_loop
from api.settings import Settings
from tests.benchmarks import accounts, learning, ledger, vouchers
from tests.benchmarks.database import asyncpg_dsn, choose_server, prepare_database, server_version
from tests.benchmarks.servers import HOST, Server, logged_errors, running, uvicorn_server
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

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = REPO_ROOT / "bench-results.json"
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
    """One measured request. `script` is a wrk Lua script for the method, path, body and
    headers (`path` then only names the route); `baseline` is the name of the scenario this one
    is compared with; `expected` are non-2xx statuses that are a normal answer here (not
    errors), such as 409 out-of-stock in the redemption storm."""

    name: str
    server: Server
    path: str
    script: Path | None = None
    baseline: str | None = None
    expected: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Measurement:
    scenario: Scenario
    max_rate: WrkResult
    half_load: WrkResult

    @property
    def errors(self) -> int:
        """Failed requests at both loads, less the answers the scenario expects."""
        expected = sum(
            result.statuses.get(status, 0)
            for result in (self.max_rate, self.half_load)
            for status in self.scenario.expected
        )
        return self.max_rate.errors + self.half_load.errors - expected


B_JSON = uvicorn_server("B-json", "tests.benchmarks.baselines:json_app")
B_DB = uvicorn_server("B-db", "tests.benchmarks.baselines:db_app")
APP = Server(
    "app",
    lambda port: [
        *(sys.executable, "-m", "api.cli", "serve", "--no-scheduler", "--no-seed"),
        *("--host", HOST, "--port", str(port)),
    ],
)
ME = "GET /v1/me"
LOGIN = "POST login"
LESSON = "S1a lesson"
COURSE = "S1b course page"
QUIZ = "quiz attempt"
STORM = "redemption storm"

# Consecutive scenarios on the same server share one start of it.
SCENARIOS = [
    Scenario("B-json", B_JSON, "/json"),
    Scenario("B-db", B_DB, "/item"),
    Scenario("B-db-page", B_DB, "/page"),
    Scenario("/health/live", APP, "/health/live", baseline="B-json"),
    Scenario("/health/ready", APP, "/health/ready", baseline="B-db"),
    Scenario(ME, APP, "/v1/me", SCRIPTS / "me.lua", baseline="B-db"),
    Scenario(LOGIN, APP, "/v1/auth/login", SCRIPTS / "login.lua"),
    Scenario(LESSON, APP, "/v1/lessons/{id}", SCRIPTS / "lesson.lua", baseline="B-db"),
    Scenario(COURSE, APP, "/v1/courses/{slug}", SCRIPTS / "course.lua", baseline="B-db-page"),
    Scenario(QUIZ, APP, "/v1/lessons/{id}/quiz-attempts", SCRIPTS / "quiz.lua"),
    Scenario(
        STORM, APP, "/v1/vouchers/redemptions", SCRIPTS / "redeem.lua", expected=frozenset({409})
    ),
]


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
    wrk: Wrk, scenarios: Sequence[Scenario], env: Mapping[str, str]
) -> list[Measurement]:
    measurements: list[Measurement] = []
    for server, group in itertools.groupby(scenarios, key=lambda scenario: scenario.server):
        print(f"{server.name}: starting", flush=True)
        log = LOG_DIR / f"{server.name}.log"
        with running(server, env, log) as base_url:
            measurements += [measure(wrk, scenario, base_url) for scenario in group]
        errors, exceptions = logged_errors(log)
        if errors:
            print(f"{server.name}: {errors} ERROR lines in {log.relative_to(REPO_ROOT)}")
            for exception, count in exceptions.most_common(5):
                print(f"  {count} x {exception}")
    return measurements


def measure(wrk: Wrk, scenario: Scenario, base_url: str) -> Measurement:
    # A script sends its own paths; the URL then only says where the server is.
    url = base_url + (scenario.path if scenario.script is None else "/")
    print(f"  {scenario.name}: warm-up, maximum rate, half rate", flush=True)
    wrk.warm_up(url, scenario.script)
    full = wrk.max_rate(url, scenario.script)
    half = wrk.at_rate(url, scenario.script, full.rps / 2)
    return Measurement(scenario, full, half)


def ratios(measurements: Sequence[Measurement]) -> list[dict[str, object]]:
    """Each scenario with a baseline over that baseline: rps, and latency at both loads."""
    by_name = {measurement.scenario.name: measurement for measurement in measurements}
    return [
        _ratio(measurement, by_name[measurement.scenario.baseline])
        for measurement in measurements
        if measurement.scenario.baseline is not None
    ]


def _ratio(measurement: Measurement, baseline: Measurement) -> dict[str, object]:
    full, half = measurement.max_rate, measurement.half_load
    base_full, base_half = baseline.max_rate, baseline.half_load
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
    stock: vouchers.StockReport,
    storm_breaks: Sequence[str],
    ledger_run: LedgerRun,
) -> list[Mark]:
    by_name = {m.scenario.name: m for m in measurements}

    def ratio(name: str) -> float:
        measurement = by_name[name]
        assert measurement.scenario.baseline is not None
        base = by_name[measurement.scenario.baseline].max_rate.rps
        return round(measurement.max_rate.rps / base, 3) if base else 0.0

    single, bulk = ledger_run.measurements
    storm = by_name[STORM]
    redeemed = round(storm.max_rate.rate_of(201), 1)
    quizzes = round(by_name[QUIZ].max_rate.rate_of(200), 1)
    return [
        _at_least(3, "GET /v1/me rps / B-db rps", ratio(ME), 0.5),
        _at_least(4, "S1a lesson rps / B-db rps", ratio(LESSON), 0.5, moonshot=0.85),
        _at_least(4, "S1b course page rps / B-db-page rps", ratio(COURSE), 0.5),
        _at_least(4, "quiz attempts of 10 answers / s (200s)", quizzes, 800),
        _at_least(
            5,
            "single earn postings / s (32 clients)",
            single.max_rate.postings_per_second,
            1_500,
            moonshot=3_000,
        ),
        _at_least(
            5, "bulk award postings / s (100 a request)", bulk.max_rate.postings_per_second, 10_000
        ),
        _at_most(5, "ledger breaks after the earn runs", len(ledger_run.breaks), 0),
        _at_least(6, "successful redemptions / s", redeemed, 1_000, moonshot=2_500),
        _at_most(6, "redemption p99 ms at half the maximum", storm.half_load.p99_ms, 50),
        _at_most(6, "oversold units", stock.oversold_units, 0),
        _at_most(6, "products whose stock is not total - issued", stock.stock_mismatches, 0),
        _at_most(6, "ledger breaks after the storm", len(storm_breaks), 0),
    ]


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


def print_table(measurements: Sequence[Measurement], compared: Sequence[dict[str, object]]) -> None:
    width = max(len(measurement.scenario.name) for measurement in measurements) + 2
    print(f"\n{'':{width + 8}}{'maximum rate':^30}{'half load':^30}")
    figures = 2 * f"{'rps':>10}{'p50 ms':>10}{'p99 ms':>10}"
    print(f"{'scenario':<{width}}{'server':<8}{figures}{'errors':>8}")
    for measurement in measurements:
        full, half = measurement.max_rate, measurement.half_load
        print(
            f"{measurement.scenario.name:<{width}}{measurement.scenario.server.name:<8}"
            f"{_figures(full)}{_figures(half)}{measurement.errors:>8}"
        )
    if any(m.errors for m in measurements):
        print(
            "\nWARNING: some requests failed (unexpected non-2xx/3xx or socket errors): "
            "see `errors`, and `statuses` in bench-results.json"
        )
    print(f"\nhalf load: {HALF_LOAD_METHOD}\n")
    print(
        f"{'ratio to baseline':<32}" + "".join(f"{label:>10}" for label in RATIO_COLUMNS.values())
    )
    for ratio in compared:
        quotients = "".join(f"{_times(ratio[column]):>10}" for column in RATIO_COLUMNS)
        print(f"{ratio['scenario']} / {ratio['baseline']}".ljust(32) + quotients)


def _figures(result: WrkResult) -> str:
    return f"{result.rps:>10.0f}{result.p50_ms:>10.2f}{result.p99_ms:>10.2f}"


def _times(value: object) -> str:
    return f"{value:.2f}x" if isinstance(value, float) else "-"


def print_details(
    data: DataSets,
    measurements: Sequence[Measurement],
    stock: vouchers.StockReport,
    ledger_run: LedgerRun,
) -> None:
    by_name = {m.scenario.name: m for m in measurements}
    argon2 = data.argon2
    print(
        f"\nlogins: {by_name[LOGIN].max_rate.rps:.1f}/s with argon2id m={argon2.memory_kib} KiB, "
        f"t={argon2.iterations}, p={argon2.parallelism}: one verification takes "
        f"{argon2.verify_ms:.1f} ms here (at most {argon2.per_core_per_second:.0f}/s a core)"
    )
    storm = by_name[STORM]
    for label, result in (("maximum rate", storm.max_rate), ("half load", storm.half_load)):
        answers = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses.items()))
        print(
            f"redemption storm, {label}: {result.rate_of(201):.1f} redeemed/s of "
            f"{result.rps:.1f} requests/s ({answers})"
        )
    print(
        f"storm stock: {stock.issued:,} vouchers issued of {stock.units:,} units in "
        f"{stock.products} products; the scarce product: {stock.scarce_issued} issued, "
        f"{stock.scarce_remaining} left; oversold units {stock.oversold_units}, stock mismatches "
        f"{stock.stock_mismatches}, vouchers without their debit {stock.unpaid_vouchers}"
    )
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
        },
        "results": {
            measurement.scenario.name: _scenario_document(measurement)
            for measurement in measurements
        },
        "ratios": list(compared),
        **extra,
    }


def _scenario_document(measurement: Measurement) -> dict[str, object]:
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
            **asdict(measurement.half_load),
        },
    }


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """Exit through SystemExit: the default SIGTERM handler would skip stopping the servers."""
    sys.exit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    started, clock = datetime.now(UTC), time.monotonic()
    load_average = round(os.getloadavg()[0], 2)
    print(f"load average at start: {load_average} (anything else running skews the figures)")
    wrk = ensure_wrk()
    source, server_url = choose_server()
    print(f"database: investquest_bench (server: {source})", flush=True)
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
        }
        measurements = run_scenarios(wrk, SCENARIOS, env)
    print("after the storm: counting stock, checking the ledger", flush=True)
    stock, storm_breaks = count_storm(url)
    print("in-process ledger (issue 5):", flush=True)
    ledger_run = run_ledger(url, data.earners)
    compared = ratios(measurements)
    found = marks(measurements, stock, storm_breaks, ledger_run)
    print_table(measurements, compared)
    print_details(data, measurements, stock, ledger_run)
    for name, breaks in (("after the storm", storm_breaks), ("after the earns", ledger_run.breaks)):
        print(f"ledger check {name}: {len(breaks)} breaks" + "".join(f"\n  {b}" for b in breaks))
    print_marks(found)
    print(f"\nload average at start {load_average}, now {os.getloadavg()[0]:.2f}")
    database = {"source": source, "server_version": server_version(url)}
    document = results_document(
        measurements,
        compared,
        wrk=wrk,
        database=database,
        started=started,
        load_average=load_average,
        extra={
            "data_sets": {
                "learners": data.learners,
                "learning": asdict(data.learning),
                "vouchers": asdict(data.vouchers),
                "earners": len(data.earners),
                "seconds_to_write": data.seconds,
            },
            "logins": {
                "rps": next(m.max_rate.rps for m in measurements if m.scenario.name == LOGIN),
                "argon2id": asdict(data.argon2),
            },
            "redemption_storm": asdict(stock),
            "in_process_ledger": [asdict(run) for run in ledger_run.measurements],
            "ledger_checks": {"after_storm": storm_breaks, "after_earns": ledger_run.breaks},
            "marks": [asdict(mark) for mark in found],
        },
    )
    RESULTS_FILE.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwritten to {RESULTS_FILE.name}; the bench took {time.monotonic() - clock:.0f} s")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("bench interrupted (its servers are stopped)")
