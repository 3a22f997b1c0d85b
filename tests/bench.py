"""`make bench`: throughput and latency of the API next to bare baselines, on this machine.

Servers run one at a time, each one uvicorn worker on a free loopback port, against a fresh
`investquest_bench` database. For each scenario: a warm-up, the maximum rate (wrk, 2 threads,
32 connections), then the latency at half that rate. The table goes to stdout and everything,
with the machine and the ratios to the baselines, to bench-results.json.

To add a scenario, append to SCENARIOS; a wrk Lua script under tests/benchmarks/ can set the
method, body and headers (see wrk's SCRIPTING), and `baseline` names the scenario to compare to.
"""

import itertools
import json
import os
import platform
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.benchmarks.database import choose_server, prepare_database, server_version
from tests.benchmarks.servers import HOST, Server, running, uvicorn_server
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
HALF_LOAD_METHOD = (
    "wrk with pace.lua: each connection waits an exponential delay (mean about "
    f"{PACE_INTERVAL_MS} ms) before each request, with as many connections as half the maximum "
    "rate needs (wrk2 is not packaged); rps is the rate reached"
)

# The ratios' keys (in bench-results.json) and their column headings.
RATIO_COLUMNS = {
    "rps": "rps",
    "p50_ms": "p50",
    "p99_ms": "p99",
    "half_load_p50_ms": "half p50",
    "half_load_p99_ms": "half p99",
}


@dataclass(frozen=True)
class Scenario:
    """One measured request. `script` is a wrk Lua script for the method, body and headers;
    `baseline` is the name of the scenario this one is compared with."""

    name: str
    server: Server
    path: str
    script: Path | None = None
    baseline: str | None = None


@dataclass(frozen=True)
class Measurement:
    scenario: Scenario
    max_rate: WrkResult
    half_load: WrkResult


B_JSON = uvicorn_server("B-json", "tests.benchmarks.baselines:json_app")
B_DB = uvicorn_server("B-db", "tests.benchmarks.baselines:db_app")
APP = Server(
    "app",
    lambda port: [
        *(sys.executable, "-m", "api.cli", "serve", "--no-scheduler", "--no-seed"),
        *("--host", HOST, "--port", str(port)),
    ],
)

# Consecutive scenarios on the same server share one start of it.
SCENARIOS = [
    Scenario("B-json", B_JSON, "/json"),
    Scenario("B-db", B_DB, "/item"),
    Scenario("/health/live", APP, "/health/live", baseline="B-json"),
    Scenario("/health/ready", APP, "/health/ready", baseline="B-db"),
]


def run_scenarios(
    wrk: Wrk, scenarios: Sequence[Scenario], env: Mapping[str, str]
) -> list[Measurement]:
    measurements: list[Measurement] = []
    for server, group in itertools.groupby(scenarios, key=lambda scenario: scenario.server):
        print(f"{server.name}: starting", flush=True)
        with running(server, env) as base_url:
            measurements += [measure(wrk, scenario, base_url) for scenario in group]
    return measurements


def measure(wrk: Wrk, scenario: Scenario, base_url: str) -> Measurement:
    url = base_url + scenario.path
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


def print_table(measurements: Sequence[Measurement], compared: Sequence[dict[str, object]]) -> None:
    width = max(len(measurement.scenario.name) for measurement in measurements) + 2
    print(f"\n{'':{width + 8}}{'maximum rate':^30}{'half load':^30}")
    figures = 2 * f"{'rps':>10}{'p50 ms':>10}{'p99 ms':>10}"
    print(f"{'scenario':<{width}}{'server':<8}{figures}{'errors':>8}")
    for measurement in measurements:
        full, half = measurement.max_rate, measurement.half_load
        print(
            f"{measurement.scenario.name:<{width}}{measurement.scenario.server.name:<8}"
            f"{_figures(full)}{_figures(half)}{full.errors + half.errors:>8}"
        )
    if any(m.max_rate.errors or m.half_load.errors for m in measurements):
        print("\nWARNING: some requests failed (non-2xx/3xx or socket errors): see `errors`")
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


def results_document(
    measurements: Sequence[Measurement],
    compared: Sequence[dict[str, object]],
    *,
    wrk: Wrk,
    database: dict[str, str],
    started: datetime,
    load_average: float,
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
        },
        "database": database,
        "method": {
            "threads": THREADS,
            "connections": CONNECTIONS,
            "warmup_seconds": WARMUP_SECONDS,
            "duration_seconds": DURATION_SECONDS,
            "half_load": HALF_LOAD_METHOD,
        },
        "results": {
            measurement.scenario.name: _scenario_document(measurement)
            for measurement in measurements
        },
        "ratios": list(compared),
    }


def _scenario_document(measurement: Measurement) -> dict[str, object]:
    scenario = measurement.scenario
    return {
        "server": scenario.server.name,
        "path": scenario.path,
        "script": str(scenario.script.relative_to(REPO_ROOT)) if scenario.script else None,
        "baseline": scenario.baseline,
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
    env = os.environ | {"DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    measurements = run_scenarios(wrk, SCENARIOS, env)
    compared = ratios(measurements)
    print_table(measurements, compared)
    database = {"source": source, "server_version": server_version(url)}
    document = results_document(
        measurements,
        compared,
        wrk=wrk,
        database=database,
        started=started,
        load_average=load_average,
    )
    RESULTS_FILE.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwritten to {RESULTS_FILE.name}; the bench took {time.monotonic() - clock:.0f} s")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("bench interrupted (its servers are stopped)")
