"""A server stopped (SIGTERM) in the middle of a run of redemptions and started again: every key
retried with the same key gives exactly one voucher, and the books still balance (review
2026-11, section 4.1). A real `investquest serve` process, against its own scratch database."""

import asyncio
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from api.database import create_engine, create_sessionmaker
from api.settings import Settings
from core.clock import FrozenClock
from gamification.vouchers.products import create_product
from tests.foundation.test_serve import free_port
from tests.helpers import draft, funder_for

# The review used 200 keys; on a fast machine all 200 were redeemed before the server had acted
# on its SIGTERM. 1,000 keeps the stop mid-run (the stop comes after 10 answers).
KEYS = 1_000
WORKERS = 8
STOP_AFTER_RESPONSES = 10
PRICE = 10
START_POINTS = 20_000
READY_WITHIN_SECONDS = 90  # worker processes import the whole app; slow on a busy machine
INVESTQUEST = Path(sys.executable).parent / "investquest"


@contextmanager
def running_server(env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    command = [str(INVESTQUEST), "serve", "--no-scheduler", "--port", str(port)]
    with subprocess.Popen(command, env=env) as server:
        try:
            wait_until_ready(server, port)
            yield server
        finally:
            if server.poll() is None:
                server.terminate()
            server.wait(timeout=30)


def wait_until_ready(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail("the server did not become ready")


async def redeem(client: httpx.AsyncClient, product_id: str, key: str) -> httpx.Response:
    return await client.post(
        "/v1/vouchers/redemptions",
        json={"product_id": product_id},
        headers={"Idempotency-Key": key},
    )


async def first_pass(
    client: httpx.AsyncClient, product_id: str, keys: list[str], server: subprocess.Popen[bytes]
) -> dict[str, str]:
    """Redeem every key with WORKERS at a time, SIGTERM the server after a few answers, and
    return the voucher of each key that succeeded. Nothing else but 201 or a refused or cut
    connection is acceptable while the server stops."""
    vouchers: dict[str, str] = {}
    answered = 0

    async def first_try(key: str) -> None:
        nonlocal answered
        try:
            response = await redeem(client, product_id, key)
        except httpx.TransportError:
            return
        assert response.status_code == 201, response.text
        vouchers[key] = response.json()["voucher"]["id"]
        answered += 1
        if answered == STOP_AFTER_RESPONSES:
            server.send_signal(signal.SIGTERM)

    await each_at_once(first_try, keys)
    return vouchers


async def test_restart_mid_redemptions_issues_one_voucher_per_key(
    cli_env: dict[str, str], scratch_database: str, settings: Settings
) -> None:
    port = free_port()
    env = cli_env | {"LESSON_MIN_READ_FACTOR": "0"}
    base_url = f"http://127.0.0.1:{port}"
    keys = [f"restart-{i}-{uuid.uuid4().hex[:8]}" for i in range(KEYS)]
    with running_server(env, port) as server:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            registered = await client.post(
                "/v1/auth/register",
                json={
                    "email": "restart@example.com",
                    "password": "a long enough password",
                    "display_name": "restart",
                },
            )
            client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
            product_id = await fund_and_stock(
                scratch_database, settings, uuid.UUID(registered.json()["user"]["id"])
            )
            vouchers = await first_pass(client, product_id, keys, server)
    assert STOP_AFTER_RESPONSES <= len(vouchers) < KEYS  # the stop really was mid-run

    with running_server(env, port):
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"

            async def retry(key: str) -> None:
                retried = await redeem(client, product_id, key)
                assert retried.status_code == 201, retried.text
                vouchers[key] = retried.json()["voucher"]["id"]

            async def replay(key: str) -> None:
                replayed = await redeem(client, product_id, key)
                assert replayed.headers["Idempotent-Replayed"] == "true"
                assert replayed.json()["voucher"]["id"] == vouchers[key]

            await each_at_once(retry, [key for key in keys if key not in vouchers])
            await each_at_once(replay, keys)
            held = await every_voucher(client)
            wallet = (await client.get("/v1/me/wallet")).json()

    assert len(set(vouchers.values())) == KEYS
    assert held == set(vouchers.values())
    assert wallet["points"] == START_POINTS - KEYS * PRICE
    check = await asyncio.to_thread(
        subprocess.run, [str(INVESTQUEST), "ledger", "check"], env=env, capture_output=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


async def each_at_once(call: Callable[[str], Awaitable[None]], keys: list[str]) -> None:
    """`call` for every key, WORKERS at a time."""
    queue = list(keys)

    async def worker() -> None:
        while queue:
            await call(queue.pop())

    await asyncio.gather(*(worker() for _ in range(WORKERS)))


async def every_voucher(client: httpx.AsyncClient) -> set[str]:
    """The ids of every voucher the caller holds, page by page."""
    ids: set[str] = set()
    params: dict[str, str | int] = {"limit": 100}
    while True:
        page = (await client.get("/v1/me/vouchers", params=params)).json()
        ids.update(item["id"] for item in page["items"])
        if page["next_cursor"] is None:
            return ids
        params["cursor"] = page["next_cursor"]


async def fund_and_stock(database: str, settings: Settings, user_id: uuid.UUID) -> str:
    """Points for the learner and a product to spend them on, written straight to the database
    the server uses, at the real time (the server's clock)."""
    engine = create_engine(database, settings)
    sessionmaker = create_sessionmaker(engine)
    clock = FrozenClock(datetime.now(UTC))
    try:
        await funder_for(sessionmaker, clock)(user_id, START_POINTS)
        async with sessionmaker.begin() as db:
            product = await create_product(
                db,
                draft(points_price=PRICE, per_user_limit=KEYS, total_stock=KEYS),
                now=clock.now(),
            )
    finally:
        await engine.dispose()
    return str(product.id)
