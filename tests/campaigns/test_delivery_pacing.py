"""How a run's deliveries give way to the API: the pace, the rest after a slow chunk, and the
delivering connection's worker slot and lower priority, which never leak to the connections
the API uses."""

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gamification.campaigns.background import delivery_sessions, renice_backend, slot_key
from gamification.campaigns.deliveries import DeliveryPolicy
from gamification.campaigns.runs import MAX_REST, TickContext
from gamification.campaigns.segment_sql import SegmentContext
from gamification.contests.calendar import market_calendar

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def context(rate: float = 0.0, budget: float = 0.0, workers: int = 1) -> TickContext:
    return TickContext(
        now=NOW,
        segments=SegmentContext(now=NOW, business_zone=ZoneInfo("Asia/Shanghai")),
        calendar=market_calendar(),
        delivery=DeliveryPolicy(messages_per_day=2, lot_days=365),
        chunk_size=1000,
        delivery_rate=rate,
        chunk_workers=workers,
        chunk_budget=budget,
    )


def test_a_worker_rests_what_its_share_of_the_rate_leaves_of_the_chunk() -> None:
    assert context(rate=5000).rest_after(0.05, 1000) == pytest.approx(0.15)  # 0.2 s a chunk
    assert context(rate=5000).rest_after(0.05, 100) == 0.0  # a short last chunk
    assert context(rate=5000).rest_after(0.3, 1000) == 0.0  # slower than the rate: none
    # Two workers at once: each delivers half the run's rate.
    assert context(rate=5000, workers=2).rest_after(0.05, 1000) == pytest.approx(0.35)
    assert context(rate=5000, workers=0).rest_after(0.05, 1000) == pytest.approx(0.15)
    assert context().rest_after(0.05, 1000) == 0.0  # unpaced


def test_a_chunk_k_times_over_its_budget_leaves_the_database_k_minus_1_of_its_time() -> None:
    ctx = context(budget=0.2)
    assert ctx.rest_after(0.1, 1000) == 0.0
    assert ctx.rest_after(0.4, 1000) == pytest.approx(0.4)  # twice the budget: half the time
    assert ctx.rest_after(0.8, 1000) == pytest.approx(2.4)  # four times: a quarter
    # The longer of the two rests.
    assert context(rate=2000, budget=0.2).rest_after(0.4, 1000) == pytest.approx(0.4)
    assert context(rate=1000, budget=0.2).rest_after(0.4, 1000) == pytest.approx(0.6)


def test_no_rest_exceeds_the_cap() -> None:
    assert context(budget=0.1).rest_after(30.0, 1000) == MAX_REST
    assert context(rate=10).rest_after(0.1, 1000) == MAX_REST


def fake_process(proc: Path, pid: int, command: str) -> None:
    (proc / str(pid)).mkdir(parents=True)
    (proc / str(pid) / "cmdline").write_bytes(command.replace(" ", "\0").encode())


def test_only_a_postgres_backend_serving_this_connection_is_reniced(tmp_path: Path) -> None:
    fake_process(tmp_path, 101, "python -m api.cli serve 127.0.0.1(5001)")
    fake_process(tmp_path, 102, "postgres: 15/main: root db 127.0.0.1(5002) idle")
    # Not a PostgreSQL process, another connection's backend, no such process, nothing asked:
    # left alone, before any system call is made on the (fake) process id.
    assert not renice_backend(101, 5001, 19, proc=tmp_path)
    assert not renice_backend(102, 5003, 19, proc=tmp_path)
    assert not renice_backend(103, 5002, 19, proc=tmp_path)
    assert not renice_backend(102, 5002, 0, proc=tmp_path)
    assert not renice_backend(102, None, 19, proc=tmp_path)  # a Unix socket's shows [local]


def nice_of(pid: int) -> int | None:
    try:
        return os.getpriority(os.PRIO_PROCESS, pid)
    except OSError:  # the database runs on another host
        return None


async def backend(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int | None]:
    async with sessions() as db:
        pid = int(await db.scalar(sa.text("SELECT pg_backend_pid()")))
    return pid, nice_of(pid)


@pytest.mark.committing
async def test_the_delivering_connection_commits_and_its_slot_and_priority_never_reach_the_pool(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    before = {(await backend(sessionmaker))[1]}
    run_id = uuid.uuid4()
    async with delivery_sessions(sessionmaker, run_id, 1, 19) as own:
        assert own is not None
        async with delivery_sessions(sessionmaker, run_id, 1, 0) as second:
            assert second is None  # the run's one slot is taken
        pid, nice = await backend(own)
        async with own.begin() as db:
            await db.execute(sa.text("CREATE TEMP TABLE pacing_probe (n integer)"))
            await db.execute(sa.text("INSERT INTO pacing_probe VALUES (1)"))
        async with own() as db:  # the same connection: the commit holds
            assert await db.scalar(sa.text("SELECT n FROM pacing_probe")) == 1
    assert nice in (19, *before)  # 19 where this process may renice it
    # Every connection the pool hands out afterwards has the priority the API's had.
    seen = [await backend(sessionmaker) for _ in range(3)]
    assert {nice for _, nice in seen} == before
    if nice == 19:
        assert pid not in {other for other, _ in seen}
    async with sessionmaker() as db:  # the slot went with the connection
        free = await db.scalar(
            sa.text("SELECT pg_try_advisory_xact_lock(hashtext(:run), 0)"),
            {"run": slot_key(run_id)},
        )
    assert free
