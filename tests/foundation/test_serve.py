"""`investquest serve`: it starts on the embedded PostgreSQL and becomes ready, and each server
process keeps what it built at startup out of the cycle collector's full passes."""

import gc
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient

from api.cli.serve import worker_app
from api.settings import Settings

# A new embedded server, every migration and the seed, on a machine perhaps busy with the rest
# of the suite's workers: a deadline against hanging, not a speed requirement.
READY_WITHIN_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_starts_on_the_embedded_database(tmp_path: Path, embedded_data_dir: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env |= {"INVESTQUEST_DATA_DIR": str(embedded_data_dir), "PORT": str(port)}
    command = [sys.executable, "-m", "api.cli", "serve"]
    with subprocess.Popen(command, env=env, cwd=tmp_path) as server:
        try:
            deadline = time.monotonic() + READY_WITHIN_SECONDS
            response = None
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}/health/ready")
                except httpx.TransportError:
                    response = None
                if response is not None and response.status_code == 200:
                    break
                time.sleep(0.5)
            assert response is not None
            assert response.status_code == 200
            assert "server" not in response.headers  # nothing to tell a scanner
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert server.returncode == 0


async def test_a_server_process_freezes_what_it_built_at_startup(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suite keeps its own logging.
    monkeypatch.setattr(
        sys.modules[worker_app.__module__], "configure_logging", lambda *_, **__: None
    )
    app = worker_app(settings, database_url, run_scheduler=False)
    try:
        async with AsyncTestClient(app) as client:
            frozen = gc.get_freeze_count()
            assert (await client.get("/health/live")).status_code == 200
    finally:
        gc.unfreeze()  # the rest of the suite collects as it always has
    # The modules, route table and metadata: far more than any request leaves behind.
    assert frozen > 50_000
