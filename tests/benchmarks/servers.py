"""Server processes under test: uvicorn with a number of worker processes, on a free loopback port,
always stopped."""

import http.client
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
LOG_TAIL_LINES = 30


@dataclass(frozen=True)
class Server:
    """A server to benchmark; `command(port, workers)` is its command line, listening on
    HOST:port with that many worker processes."""

    name: str
    command: Callable[[int, int], list[str]]


def uvicorn_server(name: str, target: str) -> Server:
    """An ASGI app (`module:attribute`) served by uvicorn, as the app serves."""
    return Server(
        name,
        lambda port, workers: [
            sys.executable,
            "-m",
            "uvicorn",
            target,
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
    )


@contextmanager
def running(
    server: Server, env: Mapping[str, str], log: Path | None = None, *, workers: int = 1
) -> Iterator[str]:
    """Start the server, wait until it answers, yield its base URL, and stop it in any case.

    It gets a session of its own, so a Ctrl+C in the terminal reaches only the bench, which then
    stops it here. With `log`, its output goes to that file instead of the terminal."""
    port = _free_port()
    with ExitStack() as stack:
        output = None
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            output = stack.enter_context(log.open("wb"))
        process = subprocess.Popen(
            server.command(port, workers),
            env=dict(env),
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
        try:
            try:
                _wait_until_answering(server, process, port)
            except RuntimeError as exc:
                if log is None:
                    raise
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:])
                raise RuntimeError(f"{exc}; the end of {log}:\n{tail}") from exc
            yield f"http://{HOST}:{port}"
        finally:
            _stop(process)


_ERROR_LINE = re.compile(r"\bERROR\b")
_EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception): .*$", re.MULTILINE)


def logged_errors(log: Path) -> tuple[int, Counter[str]]:
    """How many ERROR lines a server logged, and the exceptions its tracebacks ended with."""
    text = log.read_text(errors="replace") if log.exists() else ""
    errors = sum(1 for line in text.splitlines() if _ERROR_LINE.search(line))
    return errors, Counter(match.group(0) for match in _EXCEPTION_LINE.finditer(text))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_until_answering(server: Server, process: subprocess.Popen[bytes], port: int) -> None:
    """Until an HTTP request gets an answer (any status): with several workers the supervisor
    listens before its workers have started, so listening alone does not mean ready."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {process.returncode} before answering")
        connection = http.client.HTTPConnection(HOST, port, timeout=5.0)
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
        else:
            return
        finally:
            connection.close()
    raise RuntimeError(f"{server.name} did not answer within {START_TIMEOUT_SECONDS:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
