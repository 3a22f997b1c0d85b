"""`investquest serve --workers 2`: two processes behind one port, both answering, and a SIGTERM
that stops them all. A real server against its own scratch database; which process holds a
connection is read from /proc (Linux), matching the server's sockets to the worker processes."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.foundation.test_serve import free_port

READY_WITHIN_SECONDS = 90  # worker processes import the whole app; slow on a busy machine
STOPPED_WITHIN_SECONDS = 30
CONNECTIONS = 32
ROUNDS = 5  # the kernel hands connections to whichever worker accepts first; a few tries
INVESTQUEST = Path(sys.executable).parent / "investquest"
_ESTABLISHED = "01"

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux /proc")


def worker_processes(pid: int) -> set[int]:
    """The server processes uvicorn's supervisor `pid` started (multiprocessing's `spawn`)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid and b"spawn_main" in command:
            found.add(int(stat.parent.name))
    return found


def connections_by_process(port: int, pids: set[int]) -> Counter[int]:
    """How many established connections to `port` each of these processes holds."""
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == _ESTABLISHED:
                sockets.add(f"socket:[{fields[9]}]")
    held: Counter[int] = Counter()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) in sockets:
                    held[pid] += 1
            except OSError:  # closed while we looked
                continue
    return held


def wait_until_ready(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail("the server did not become ready")


async def answering_processes(port: int, workers: set[int]) -> Counter[int]:
    """Open CONNECTIONS connections at once, each asking /health/ready (a database read), and
    count them by the worker process that holds the server's end."""
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits) as client:
        answers = await asyncio.gather(*(client.get("/health/ready") for _ in range(CONNECTIONS)))
        assert {answer.status_code for answer in answers} == {200}
        return connections_by_process(port, workers)


def test_two_workers_share_the_port_and_stop_on_sigterm(cli_env: dict[str, str]) -> None:
    port = free_port()
    command = [str(INVESTQUEST), "serve", "--workers", "2", "--no-seed", "--port", str(port)]
    with subprocess.Popen(command, env=cli_env) as server:
        try:
            wait_until_ready(server, port)
            workers = worker_processes(server.pid)
            assert len(workers) == 2
            held: Counter[int] = Counter()
            for _ in range(ROUNDS):
                held = asyncio.run(answering_processes(port, workers))
                if len(held) == 2:
                    break
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=STOPPED_WITHIN_SECONDS)
        finally:
            if server.poll() is None:
                server.kill()
    assert len(held) == 2, f"connections by worker process: {dict(held)}"
    assert server.returncode == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
