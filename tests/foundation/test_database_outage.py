"""A frozen database: requests fail fast with 503 `database-unavailable`, then recover.

The test freezes a PostgreSQL of its own (embedded, in a temporary folder), never the shared
server other test runs use. Every process of it is resumed, whatever happens.
"""

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from httpx import AsyncClient, Response
from prometheus_client import REGISTRY

from api.app import create_app
from api.database import create_engine, create_sessionmaker
from api.embedded_postgres import start_embedded_postgres
from api.logs import RequestIdFilter
from api.migrations import upgrade
from api.settings import Settings
from core.clock import FrozenClock
from tests.factories import user_factory_for
from tests.helpers import http_client

pgserver = pytest.importorskip("pgserver", reason="needs the embedded PostgreSQL (pgserver)")
psutil = pytest.importorskip("psutil")

TIMEOUT_SECONDS = 1.0
POOL_SIZE, POOL_OVERFLOW = 2, 1
CONCURRENT_REQUESTS = 8  # more than the pool holds
FAIL_FAST_WITHIN_SECONDS = 6.0  # a timeout, plus closing the timed-out connections (2 s at most)


@pytest.fixture
def own_database(embedded_data_dir: Path) -> Iterator[tuple[str, Path]]:
    """A migrated database on an embedded PostgreSQL of this test's own; its data folder."""
    url = start_embedded_postgres(embedded_data_dir)
    upgrade(url)
    try:
        yield url, embedded_data_dir / "pgdata"
    finally:
        pgserver.get_server(embedded_data_dir / "pgdata").cleanup()  # stops it: its only user


@contextmanager
def frozen(pgdata: Path, *, at_most_seconds: float) -> Iterator[None]:
    """SIGSTOP the postmaster and all its children; SIGCONT them all on the way out, or after
    `at_most_seconds` from a watchdog thread, so that requests that hang end the outage (and
    then fail the test) instead of blocking it for ever."""
    postmaster = psutil.Process(int((pgdata / "postmaster.pid").read_text().split()[0]))
    processes = [postmaster, *postmaster.children(recursive=True)]
    stopped: list[int] = []

    def resume() -> None:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)

    watchdog = threading.Timer(at_most_seconds, resume)
    try:
        for process in processes:
            os.kill(process.pid, signal.SIGSTOP)
            stopped.append(process.pid)
        watchdog.start()
        yield
    finally:
        watchdog.cancel()
        resume()


def requests_counted(status: int) -> float:
    labels = {"app_name": "investquest", "method": "GET", "path": "/v1/me/wallet"}
    value = REGISTRY.get_sample_value(
        "investquest_requests_total", {**labels, "status_code": str(status)}
    )
    return value or 0.0


def assert_database_unavailable(response: Response) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/database-unavailable")
    assert int(response.headers["retry-after"]) > 0


async def test_frozen_database_answers_503_fast_then_recovers(
    own_database: tuple[str, Path], clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    url, pgdata = own_database
    settings = Settings(
        _env_file=None,
        database_url=url,
        db_unavailable_timeout_seconds=TIMEOUT_SECONDS,
        db_pool_size=POOL_SIZE,
        db_max_overflow=POOL_OVERFLOW,
    )
    engine = create_engine(url, settings, serves_requests=True)
    sessionmaker = create_sessionmaker(engine)
    try:
        user = await user_factory_for(sessionmaker, settings, clock)()
        headers = user.headers
        app = create_app(settings, engine, sessionmaker=sessionmaker, clock=clock)
        async with http_client(app) as client:
            assert (await client.get("/v1/me/wallet", headers=headers)).status_code == 200
            counted_before = requests_counted(503)
            caplog.handler.addFilter(RequestIdFilter())
            with (
                frozen(pgdata, at_most_seconds=3 * FAIL_FAST_WITHIN_SECONDS),
                caplog.at_level(logging.INFO),
            ):
                started = time.monotonic()
                responses = await _concurrently(client, headers, CONCURRENT_REQUESTS)
                elapsed = time.monotonic() - started
            for response in responses:
                assert_database_unavailable(response)
            assert elapsed < FAIL_FAST_WITHIN_SECONDS
            assert requests_counted(503) - counted_before == CONCURRENT_REQUESTS
            _assert_logged_with_request_ids(caplog, responses)
            recovered = await client.get("/v1/me/wallet", headers=headers)
            assert recovered.status_code == 200
    finally:
        await engine.dispose()


async def _concurrently(client: AsyncClient, headers: dict[str, str], n: int) -> list[Response]:
    requests = (client.get("/v1/me/wallet", headers=headers) for _ in range(n))
    return list(await asyncio.gather(*requests))


def _assert_logged_with_request_ids(
    caplog: pytest.LogCaptureFixture, responses: list[Response]
) -> None:
    quoted = {response.headers["x-request-id"] for response in responses}
    warned = {
        getattr(record, "request_id", None)
        for record in caplog.records
        if record.getMessage() == "database unavailable"
    }
    accessed = {
        getattr(record, "request_id", None)
        for record in caplog.records
        if record.name == "api.access" and getattr(record, "status", None) == 503
    }
    assert quoted <= warned
    assert quoted <= accessed
