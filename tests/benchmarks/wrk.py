"""Load generation with wrk: installing it, running it at full speed or at a set rate, and
reading its report.

Scenario scripts (under tests/benchmarks/) load common.lua, which counts the responses by
status in each thread and prints the totals at the end (`bench-status CODE COUNT`); they find
their data files in BENCH_DATA_DIR, set in `Wrk.env` for every run."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

THREADS = 2
CONNECTIONS = 32
WARMUP_SECONDS = 2
DURATION_SECONDS = 8
PACE_SCRIPT = Path(__file__).with_name("pace.lua")
COUNT_SCRIPT = Path(__file__).with_name("count.lua")
COUNT_SECONDS_AT_MOST = 60
# About the mean pause of a paced connection before each request (less the response time that
# at_rate expects): long next to fast routes' latencies, so few connections hold the rate.
PACE_INTERVAL_MS = 40
RUN_TIMEOUT_MARGIN_SECONDS = 60
# wrk's own default (2 s) would drop slower responses as errors instead of measuring them.
REQUEST_TIMEOUT_SECONDS = 10

_RPS = re.compile(r"^Requests/sec:\s*([\d.]+)\s*$", re.MULTILINE)
_PERCENTILE = r"^\s*{}%\s+([\d.]+)(us|ms|s|m|h)\s*$"
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_STATUS = re.compile(r"^bench-status (\d+) (\d+)$", re.MULTILINE)
_SPAN = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),", re.MULTILINE)
_MS_PER_UNIT = {"us": 0.001, "ms": 1.0, "s": 1_000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass(frozen=True)
class WrkResult:
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx responses and socket errors (connect, read, write, timeout)
    seconds: float = 0.0  # how long the run lasted, as wrk measured it
    requests: int = 0  # responses received, as wrk counted them
    # Responses by HTTP status, for scripts that load common.lua (empty otherwise).
    statuses: dict[int, int] = field(default_factory=dict)

    def rate_of(self, status: int) -> float:
        """Responses with this status per second."""
        return self.statuses.get(status, 0) / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Wrk:
    binary: str
    env: Mapping[str, str] = field(default_factory=dict)  # for every run's scripts

    def version(self) -> str:
        """The first line of `wrk -v` (which prints it, then its usage, and exits 1)."""
        shown = subprocess.run([self.binary, "-v"], capture_output=True, text=True, check=False)
        return (shown.stdout or shown.stderr).splitlines()[0].strip()

    def warm_up(self, url: str, script: Path | None) -> None:
        self._run(url, script, connections=CONNECTIONS, seconds=WARMUP_SECONDS)

    def max_rate(self, url: str, script: Path | None) -> WrkResult:
        return self._run(url, script, connections=CONNECTIONS, seconds=DURATION_SECONDS)

    def at_rate(
        self, url: str, script: Path | None, rps: float, seconds: int = DURATION_SECONDS
    ) -> WrkResult:
        """About `rps` requests a second, paced by pace.lua (wrk has no rate option, and wrk2,
        which has, is not packaged); the result has the rate actually reached.

        A paced connection waits its pause and then its response, so each pause is shortened
        by the response time expected at this load: half the maximum rate of a server that
        serves one request at a time answers in about 1 / rps (M/M/1 at half utilisation).
        Without that, slow routes would be held well under the rate asked for."""
        if rps <= 0:
            raise RuntimeError(f"no rate to hold for {url}: the full-speed run completed nothing")
        response_ms = 1_000 / rps
        cycle_ms = PACE_INTERVAL_MS + response_ms
        connections = THREADS * max(1, round(rps * cycle_ms / 1_000 / THREADS))
        env = {
            # The mean pause that, with the response time, gives `rps` with whole connections.
            "BENCH_PACE_INTERVAL_MS": f"{max(1.0, connections * 1_000 / rps - response_ms):.3f}",
            "BENCH_WRK_SCRIPT": str(script.resolve()) if script else "",
        }
        return self._run(url, PACE_SCRIPT, connections=connections, seconds=seconds, env=env)

    def one_by_one(self, url: str, script: Path | None, requests: int) -> WrkResult:
        """Exactly `requests` requests, on one connection, each sent once the last is answered
        (count.lua): nothing is in flight when it returns."""
        with tempfile.TemporaryDirectory(prefix="investquest-count-") as folder:
            done = Path(folder) / "done"
            env = {
                "BENCH_COUNT_REQUESTS": str(requests),
                "BENCH_COUNT_DONE": str(done),
                "BENCH_WRK_SCRIPT": str(script.resolve()) if script else "",
            }
            command = [
                *(self.binary, "-t1", "-c1", f"-d{COUNT_SECONDS_AT_MOST}s", "--latency"),
                *(f"--timeout={REQUEST_TIMEOUT_SECONDS}s", "-s", str(COUNT_SCRIPT), url),
            ]
            with subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=os.environ | dict(self.env) | env,
            ) as run:
                deadline = time.monotonic() + COUNT_SECONDS_AT_MOST
                while not done.exists() and run.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                run.send_signal(signal.SIGINT)  # wrk stops and prints its report
                report, errors = run.communicate(timeout=RUN_TIMEOUT_MARGIN_SECONDS)
            if not done.exists():
                raise RuntimeError(f"wrk did not finish {requests} requests: {errors.strip()}")
        return parse_report(report, connections=1)

    def _run(
        self,
        url: str,
        script: Path | None,
        *,
        connections: int,
        seconds: int,
        env: Mapping[str, str] | None = None,
    ) -> WrkResult:
        command = [
            *(self.binary, f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency"),
            f"--timeout={REQUEST_TIMEOUT_SECONDS}s",
        ]
        if script is not None:
            command += ["-s", str(script.resolve())]
        done = subprocess.run(
            [*command, url],
            capture_output=True,
            text=True,
            env=os.environ | dict(self.env) | dict(env or {}),
            timeout=seconds + RUN_TIMEOUT_MARGIN_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
        return parse_report(done.stdout, connections)


def parse_report(report: str, connections: int) -> WrkResult:
    """Read requests/sec, the p50 and p99 latencies (`--latency`) and the errors."""
    socket_errors = _SOCKET_ERRORS.search(report)
    non_2xx = _NON_2XX.search(report)
    span = _required(_SPAN.search(report), "requests in", report)
    return WrkResult(
        connections=connections,
        rps=float(_required(_RPS.search(report), "Requests/sec", report).group(1)),
        p50_ms=_percentile_ms(report, 50),
        p99_ms=_percentile_ms(report, 99),
        errors=(int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(int(count) for count in socket_errors.groups()) if socket_errors else 0),
        seconds=round(float(span.group(2)) * _MS_PER_UNIT[span.group(3)] / 1_000, 3),
        requests=int(span.group(1)),
        statuses={int(code): int(count) for code, count in _STATUS.findall(report)},
    )


def _percentile_ms(report: str, percent: int) -> float:
    pattern = re.compile(_PERCENTILE.format(percent), re.MULTILINE)
    match = _required(pattern.search(report), f"{percent}% latency", report)
    return round(float(match.group(1)) * _MS_PER_UNIT[match.group(2)], 3)


def _required(match: re.Match[str] | None, what: str, report: str) -> re.Match[str]:
    if match is None:
        raise RuntimeError(f"no {what} in wrk's report:\n{report}")
    return match


def ensure_wrk() -> Wrk:
    """wrk from PATH, installed with apt-get first if it is missing."""
    return Wrk(shutil.which("wrk") or _install_wrk())


def _install_wrk() -> str:
    apt_get = shutil.which("apt-get")
    if apt_get is None:
        raise SystemExit("make bench needs wrk and cannot install it without apt-get: install wrk")
    print("wrk is missing: installing it with apt-get", flush=True)
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    install = [apt_get, "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run([apt_get, "update", "-q"], env=env, check=False)
        subprocess.run(install, env=env, check=False)
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit(
            "make bench needs wrk, and `apt-get install wrk` failed (it needs root): install wrk"
        )
    return binary
