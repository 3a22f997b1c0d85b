"""Load generation with wrk: installing it, running it at full speed or at a set rate, and
reading its report."""

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

THREADS = 2
CONNECTIONS = 32
WARMUP_SECONDS = 2
DURATION_SECONDS = 10
PACE_SCRIPT = Path(__file__).with_name("pace.lua")
# Mean pause of a paced connection before each request. Long next to the latencies measured,
# so the time a connection waits for its response shaves little off the rate.
PACE_INTERVAL_MS = 40
RUN_TIMEOUT_MARGIN_SECONDS = 60

_RPS = re.compile(r"^Requests/sec:\s*([\d.]+)\s*$", re.MULTILINE)
_PERCENTILE = r"^\s*{}%\s+([\d.]+)(us|ms|s|m|h)\s*$"
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_MS_PER_UNIT = {"us": 0.001, "ms": 1.0, "s": 1_000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass(frozen=True)
class WrkResult:
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx responses and socket errors (connect, read, write, timeout)


@dataclass(frozen=True)
class Wrk:
    binary: str

    def version(self) -> str:
        """The first line of `wrk -v` (which prints it, then its usage, and exits 1)."""
        shown = subprocess.run([self.binary, "-v"], capture_output=True, text=True, check=False)
        return (shown.stdout or shown.stderr).splitlines()[0].strip()

    def warm_up(self, url: str, script: Path | None) -> None:
        self._run(url, script, connections=CONNECTIONS, seconds=WARMUP_SECONDS)

    def max_rate(self, url: str, script: Path | None) -> WrkResult:
        return self._run(url, script, connections=CONNECTIONS, seconds=DURATION_SECONDS)

    def at_rate(self, url: str, script: Path | None, rps: float) -> WrkResult:
        """About `rps` requests a second, paced by pace.lua (wrk has no rate option, and wrk2,
        which has, is not packaged); the result has the rate actually reached."""
        if rps <= 0:
            raise RuntimeError(f"no rate to hold for {url}: the full-speed run completed nothing")
        connections = THREADS * max(1, round(rps * PACE_INTERVAL_MS / 1_000 / THREADS))
        env = {
            # The mean pause near PACE_INTERVAL_MS that gives `rps` with whole connections.
            "BENCH_PACE_INTERVAL_MS": f"{connections * 1_000 / rps:.3f}",
            "BENCH_WRK_SCRIPT": str(script.resolve()) if script else "",
        }
        return self._run(
            url, PACE_SCRIPT, connections=connections, seconds=DURATION_SECONDS, env=env
        )

    def _run(
        self,
        url: str,
        script: Path | None,
        *,
        connections: int,
        seconds: int,
        env: Mapping[str, str] | None = None,
    ) -> WrkResult:
        command = [self.binary, f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency"]
        if script is not None:
            command += ["-s", str(script.resolve())]
        done = subprocess.run(
            [*command, url],
            capture_output=True,
            text=True,
            env=os.environ | dict(env or {}),
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
    return WrkResult(
        connections=connections,
        rps=float(_required(_RPS.search(report), "Requests/sec", report).group(1)),
        p50_ms=_percentile_ms(report, 50),
        p99_ms=_percentile_ms(report, 99),
        errors=(int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(int(count) for count in socket_errors.groups()) if socket_errors else 0),
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
