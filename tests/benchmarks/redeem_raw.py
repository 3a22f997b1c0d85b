"""Issue 11: the redemption's database work alone, next to the storm. CONNECTIONS asyncpg
connections (no app, no SQLAlchemy) send the call the route sends, `voucher_redeem_product`
(migration 0048), with a fresh Idempotency-Key each, for random funded users: SCARCE_SHARE of
them for the scarce product, the rest for a plentiful one, as redeem.lua does. The rate it
reaches is what PostgreSQL on this machine allows a perfect app, less this one Python process.

Run it after the storm (`tests.bench --only storm`), on the database the storm left:
`python -m tests.benchmarks.redeem_raw [--seconds 10] [--connections 32]` (BENCH_DATABASE_NAME,
and BENCH_DATABASE_URL or TEST_DATABASE_URL for the server, as the bench takes them).
"""

import argparse
import asyncio
import json
import os
import random
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import asyncpg

from api.rewards.wallets import reward_policy
from api.settings import Settings
from gamification.engagement.service import reporting
from gamification.ledger.queries import expiring_before
from gamification.vouchers.codes import new_code
from tests.benchmarks.database import BENCH_DATABASE, LOCAL_SERVER_URL
from tests.benchmarks.vouchers import SKU_PREFIX
from tests.databases import asyncpg_dsn

SCARCE_SHARE = 0.2
CALL = (
    "SELECT outcome FROM voucher_redeem_product($1, $2, 'POST /v1/vouchers/redemptions', $3, "
    "$4, $5, $6, $7, $8, $9, $10, 'mature', NULL, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
)


async def drive(dsn: str, seconds: float, connections: int) -> None:
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
    async with pool.acquire() as conn:
        products = await conn.fetch(
            "SELECT id, sku FROM voucher_product WHERE sku LIKE $1", f"{SKU_PREFIX}%"
        )
        users = [
            row["user_id"]
            for row in await conn.fetch(
                "SELECT user_id FROM ledger_account WHERE kind = 'user' AND balance > 0"
            )
        ]
    scarce = next(row["id"] for row in products if row["sku"] == f"{SKU_PREFIX}scarce")
    plentiful = [row["id"] for row in products if row["id"] != scarce]
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def client() -> None:
        while time.monotonic() < deadline:
            product = scarce if random.random() < SCARCE_SHARE else random.choice(plentiful)
            started = time.perf_counter()
            async with pool.acquire() as conn:
                outcome = await conn.fetchval(CALL, *_arguments(product, random.choice(users)))
            latencies.append(time.perf_counter() - started)
            outcomes[outcome] += 1

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.monotonic() - started
    await pool.close()
    latencies.sort()
    print(
        f"{connections} connections, {elapsed:.1f} s: {sum(outcomes.values()) / elapsed:.0f} "
        f"calls/s, {outcomes['redeemed'] / elapsed:.0f} redeemed/s; p50 "
        f"{latencies[len(latencies) // 2] * 1000:.1f} ms, p99 "
        f"{latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms; {dict(outcomes)}"
    )


def _arguments(product: uuid.UUID, user: uuid.UUID) -> list[Any]:
    now = datetime.now(UTC)
    engagement = reporting(timezone=None, now=now, payout=_PAYOUT).params()
    return [
        uuid.uuid4(),
        f"user:{user}",
        uuid.uuid4().hex,
        "0" * 64,  # the request's hash
        json.dumps({"locale": "en", "today": engagement["day"].isoformat()}),
        uuid.uuid4(),
        new_code(),
        product,
        user,
        "C3",
        now,
        engagement["day"],
        engagement["cap_day"],
        engagement["daily_cap"],
        engagement["lot_days"],
        engagement["daily_quests"],
        engagement["highest_tier"],
        engagement["cohort_size"],
        expiring_before(now),
    ]


_PAYOUT = reward_policy(Settings(database_url=LOCAL_SERVER_URL)).payout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    server = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or LOCAL_SERVER_URL
    )
    dsn = asyncpg_dsn(server).rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"
    asyncio.run(drive(dsn, args.seconds, args.connections))


if __name__ == "__main__":
    main()
