"""Issue 5: earn postings per second, driven in-process (the ledger has no HTTP endpoint of its
own to earn through).

CLIENTS asyncio tasks share one engine with a connection each; every operation is one
transaction, `async with sessionmaker.begin(): await earn(...)`, with a unique key:

- single: one earn of POINTS points for a random user of the data set, so every transaction
  posts to the issuance account (append-only, as the ledger writes system accounts);
- bulk: BULK_SIZE earns for different users in one transaction (a bulk award), the users
  taken in id order so that concurrent awards lock user accounts in one order.

Each kind runs like a wrk scenario: a warm-up, the maximum rate (closed loop, for a fixed
time), then about half that rate (open loop: Poisson arrivals from a token bucket, served by
the same tasks; latency counts from the moment a request was due, so waiting for a free
client counts too). The users' ledger accounts open on their first earn, as in the app.
"""

import asyncio
import itertools
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import SystemClock
from gamification.ledger.operations import Earn, earn, earn_many
from gamification.ledger.reconcile import check_ledger
from tests.benchmarks.wrk import DURATION_SECONDS, WARMUP_SECONDS

CLIENTS = 32
EARNERS = 10_000  # users the earns are spread over
POINTS = 10
BULK_SIZE = 100
BULK_CLIENTS = 4  # concurrent bulk awards

Operation = Callable[[], Awaitable[int]]  # runs one transaction, returns the postings made


@dataclass(frozen=True)
class DriverResult:
    clients: int
    seconds: float
    transactions: int
    postings: int
    postings_per_second: float
    transactions_per_second: float
    p50_ms: float  # per transaction
    p99_ms: float
    errors: int  # transactions that failed (deadlock, serialisation, ...)


@dataclass(frozen=True)
class DriverMeasurement:
    name: str
    postings_per_transaction: int
    max_rate: DriverResult
    half_load: DriverResult


class EarnDriver:
    """Earn operations with keys unique to this driver."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], users: Sequence[uuid.UUID]
    ) -> None:
        self._sessionmaker = sessionmaker
        self._users = list(users)
        self._random = random.Random(5)
        self._keys = itertools.count()
        self._run = uuid.uuid4().hex[:8]
        self._clock = SystemClock()

    async def single(self) -> int:
        async with self._sessionmaker.begin() as db:
            await self._earn(db, self._random.choice(self._users))
        return 1

    async def bulk(self) -> int:
        users = sorted(self._random.sample(self._users, BULK_SIZE))  # id order: no deadlocks
        earns = []
        for user_id in users:
            n = next(self._keys)
            key, reference = f"bench-earn:{self._run}:{n}", f"bench:{self._run}:{n}"
            earns.append(Earn(user_id, POINTS, 0, key, reference, {"code": "bench_earn"}))
        async with self._sessionmaker.begin() as db:
            posted = await earn_many(db, earns, now=self._clock.now())
        assert all(result.posted for result in posted)
        return BULK_SIZE

    async def _earn(self, db: AsyncSession, user_id: uuid.UUID) -> None:
        n = next(self._keys)
        posted = await earn(
            db,
            user_id=user_id,
            points=POINTS,
            xp=0,
            key=f"bench-earn:{self._run}:{n}",
            reference=f"bench:{self._run}:{n}",
            reason={"code": "bench_earn"},
            now=self._clock.now(),
        )
        assert posted.posted


async def measure(name: str, operation: Operation, clients: int) -> DriverMeasurement:
    await closed_loop(operation, clients, WARMUP_SECONDS)
    full = await closed_loop(operation, clients, DURATION_SECONDS)
    half = await open_loop(operation, clients, DURATION_SECONDS, full.transactions_per_second / 2)
    postings = full.postings // full.transactions if full.transactions else 0
    return DriverMeasurement(name, postings, full, half)


async def closed_loop(operation: Operation, clients: int, seconds: float) -> DriverResult:
    """Every client runs operations back to back until the time is up."""
    latencies: list[float] = []
    tally = _Tally()
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            if await tally.run(operation):
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return tally.result(clients, time.perf_counter() - started, latencies)


async def open_loop(
    operation: Operation, clients: int, seconds: float, rate: float
) -> DriverResult:
    """Operations arrive at about `rate` a second (exponential gaps) and wait for a free client;
    latency runs from arrival."""
    if rate <= 0:
        raise RuntimeError("no rate to hold: the full-speed run completed nothing")
    arrivals: asyncio.Queue[float | None] = asyncio.Queue()
    latencies: list[float] = []
    tally = _Tally()
    gaps = random.Random(6)

    async def producer() -> None:
        start = due = time.perf_counter()
        while (due := due + gaps.expovariate(rate)) < start + seconds:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            arrivals.put_nowait(due)
        for _ in range(clients):
            arrivals.put_nowait(None)

    async def client() -> None:
        while (due := await arrivals.get()) is not None:
            if await tally.run(operation):
                latencies.append(time.perf_counter() - due)

    started = time.perf_counter()
    await asyncio.gather(producer(), *(client() for _ in range(clients)))
    return tally.result(clients, time.perf_counter() - started, latencies)


class _Tally:
    def __init__(self) -> None:
        self.transactions = self.postings = self.errors = 0

    async def run(self, operation: Operation) -> bool:
        try:
            made = await operation()  # not `+= await`: that would read the total before it
        except DBAPIError:
            self.errors += 1
            return False
        self.postings += made
        self.transactions += 1
        return True

    def result(self, clients: int, seconds: float, latencies: list[float]) -> DriverResult:
        latencies.sort()
        return DriverResult(
            clients=clients,
            seconds=round(seconds, 2),
            transactions=self.transactions,
            postings=self.postings,
            postings_per_second=round(self.postings / seconds, 1),
            transactions_per_second=round(self.transactions / seconds, 1),
            p50_ms=_percentile_ms(latencies, 0.50),
            p99_ms=_percentile_ms(latencies, 0.99),
            errors=self.errors,
        )


def _percentile_ms(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1_000, 3)


async def ledger_breaks(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    """`investquest ledger check`'s reconciliation: every break found (none: the books balance)."""
    async with sessionmaker() as db:
        return await check_ledger(db)
