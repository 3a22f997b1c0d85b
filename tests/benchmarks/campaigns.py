"""Issue 14's campaign figures (`make bench` runs it after the HTTP bench; alone:
`python -m tests.benchmarks.campaigns`):

- segment preview at USERS learners: the count and the sample of two segments (the plain
  columns, and one reading the streaks too), PREVIEWS times each, the slowest counts;
- `grant_points` runs, each in PHASES: the claim (targeting the segment: one INSERT ...
  SELECT of the deliveries) and the deliveries a second, with the phase's replicas sharing
  the run's chunks (SKIP LOCKED) as the tick does, and the phase's rest after each chunk:
  "full speed" (two replicas, no rest) to every learner, then "paced" (one replica resting
  CAMPAIGN_CHUNK_PAUSE_MS, the setting's default) to the quarter of learners whose locale is
  en: the trade-off between the run's speed and the API's latency;
- `GET /v1/me` p99 at half load, idle and while each run executes: one app server (no
  scheduler), driven in-process with Poisson arrivals at half the rate measured idle.

The data set is written straight into a fresh `{BENCH_DATABASE_NAME}_campaigns` database with
generate_series: USERS learners of mixed locale, age, birthday and risk profile, a third with a
streak; plus the accounts data set's 1,000 learners with sessions, whose tokens /v1/me uses.
"""

import asyncio
import os
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.database import create_engine, create_sessionmaker, run_in_own_loop
from api.migrations import upgrade
from api.settings import Settings
from gamification.campaigns.definitions import CampaignDraft
from gamification.campaigns.deliveries import DeliveryPolicy
from gamification.campaigns.filters import parse_filter
from gamification.campaigns.runs import TickContext
from gamification.campaigns.segment_sql import SegmentContext
from gamification.campaigns.segments import create_segment, segment_count, segment_sample
from gamification.campaigns.service import create_campaign
from gamification.campaigns.tick import claim_due, deliver_run
from gamification.contests.calendar import market_calendar
from gamification.ledger.operations import Earn, earn_many
from tests.benchmarks.accounts import BenchUser, access_tokens, create_users, password_hash_once
from tests.benchmarks.database import BENCH_DATABASE, asyncpg_dsn, choose_server
from tests.benchmarks.ledger import DriverResult, closed_loop, open_loop
from tests.benchmarks.servers import HOST, Server, running
from tests.benchmarks.wrk import DURATION_SECONDS, WARMUP_SECONDS
from tests.databases import recreate_database

DATABASE = f"{BENCH_DATABASE}_campaigns"
# A quick look: BENCH_CAMPAIGN_USERS=100000.
USERS = int(os.environ.get("BENCH_CAMPAIGN_USERS", 1_000_000))
PREVIEWS = 3
CHUNK: int = Settings.model_fields["campaign_chunk_size"].default
PAUSE_MS: int = Settings.model_fields["campaign_chunk_pause_ms"].default
ME_CLIENTS = 16
ME_USERS = 1_000
MARKS = {"preview_s": 2.0, "deliveries_per_s": 5_000.0, "me_p99_ratio": 2.0}
SEGMENTS = {
    "columns": {
        "all": [
            {"field": "lifecycle_stage", "op": "in", "value": ["new", "growing"]},
            {"field": "locale", "op": "eq", "value": "zh-CN"},
            {"not": {"field": "risk_profile", "op": "eq", "value": "not_assessed"}},
        ]
    },
    "streaks": {
        "any": [
            {"field": "inactive_days", "op": "gte", "value": 30},
            {"field": "birthday_today", "op": "eq", "value": True},
        ]
    },
}
APP = Server(
    "app",
    lambda port, workers: [
        *(sys.executable, "-m", "api.cli", "serve", "--no-scheduler", "--no-seed"),
        *("--host", HOST, "--port", str(port), "--workers", str(workers)),
    ],
)


@dataclass(frozen=True)
class Phase:
    name: str
    workers: int  # replicas delivering the run together
    pause: float  # seconds each rests after a chunk
    segment: dict[str, Any]


PHASES = (
    Phase("full speed", 2, 0.0, {"field": "registered_at", "op": "gte", "value": "2000-01-01"}),
    Phase(
        "paced",
        1,
        PAUSE_MS / 1000,
        {"field": "locale", "op": "eq", "value": "en"},
    ),
)


@dataclass(frozen=True)
class PhaseFigures:
    phase: Phase
    claim_seconds: float
    targeted: int
    delivery_seconds: float
    me_during_run: DriverResult

    @property
    def rate(self) -> float:
        return self.targeted / self.delivery_seconds if self.delivery_seconds else 0.0


@dataclass(frozen=True)
class Figures:
    preview_seconds: dict[str, float]
    preview_counts: dict[str, int]
    me_idle: DriverResult
    me_idle_half: DriverResult
    phases: list[PhaseFigures]


async def write_learners(url: str) -> list[BenchUser]:
    """USERS learners by generate_series, and ME_USERS with sessions (returned)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "INSERT INTO user_account (id, email, password_hash, display_name, locale, timezone,"
            " roles, risk_profile, birthday, password_changed_at, created_at, public_boards)"
            " SELECT uuid_v7(), 'member' || n || '@bench.example', 'x', 'member ' || n,"
            " CASE WHEN n % 4 = 0 THEN 'en' ELSE 'zh-CN' END, 'Asia/Shanghai',"
            " ARRAY['learner'], (ARRAY[NULL, 'C1', 'C2', 'C3', 'C4', 'C5'])[1 + n % 6],"
            " date '1995-01-01' + (n % 3650), now(), now() - (n % 1100) * interval '1 day', true"
            " FROM generate_series(1, $1::integer) AS n",
            USERS,
        )
        await conn.execute(
            "INSERT INTO reward_streak (user_id, current, longest, freezes, last_active_on,"
            " updated_at) SELECT id, 1, 1, 0, current_date - (random() * 90)::int, now()"
            " FROM user_account WHERE random() < 0.33"
        )
        await conn.execute("ANALYZE")
        now = datetime.now(UTC)
        users = await create_users(
            conn, ME_USERS, group="me", now=now, password_hash=password_hash_once()
        )
    finally:
        await conn.close()
    return users


async def time_previews(
    sessionmaker: async_sessionmaker[AsyncSession], zone: ZoneInfo
) -> tuple[dict[str, float], dict[str, int]]:
    slowest, counts = {}, {}
    for name, raw in SEGMENTS.items():
        tree, problems = parse_filter(raw)
        assert tree is not None, problems
        times = []
        for _ in range(PREVIEWS):
            ctx = SegmentContext(now=datetime.now(UTC), business_zone=zone)
            started = time.perf_counter()
            async with sessionmaker() as db:
                counts[name] = await segment_count(db, tree, ctx)
                await segment_sample(db, tree, ctx)
            times.append(time.perf_counter() - started)
        slowest[name] = round(max(times), 3)
    return slowest, counts


async def define_grant(sessionmaker: async_sessionmaker[AsyncSession], phase: Phase) -> None:
    now = datetime.now(UTC)
    async with sessionmaker.begin() as db:
        segment = await create_segment(
            db, name=phase.name, filter_=phase.segment, created_by=None, now=now
        )
        draft = CampaignDraft(
            name=f"bench grant, {phase.name}",
            segment_id=segment.id,
            action={"type": "grant_points", "points": 10, "reason": {"zh-CN": "测", "en": "bench"}},
            timezone="Asia/Shanghai",
            at=now,
            starts_at=now,
        )
        await create_campaign(db, draft, created_by=None, now=now, calendar=market_calendar())


async def prime_ledger(sessionmaker: async_sessionmaker[AsyncSession], url: str) -> None:
    """Earlier earns for the learners with sessions, the statistics taken after each batch: a
    ledger whose tables were analysed empty plans its checks as if they stayed empty (a real
    server's autovacuum has long analysed them)."""
    async with sessionmaker() as db:
        users = sorted((await db.scalars(sa.text("SELECT user_id FROM auth_session"))).all())
    for batch in (users[:100], users[100:]):
        earns = [
            Earn(user, 10, 10, f"prime:{user}", f"prime:{user}", {"code": "x"}) for user in batch
        ]
        async with sessionmaker.begin() as db:
            await earn_many(db, earns, now=datetime.now(UTC))
        await analyze(url)


async def analyze(url: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def tick_context(settings: Settings, phase: Phase) -> TickContext:
    now = datetime.now(UTC)
    return TickContext(
        now=now,
        segments=SegmentContext(now=now, business_zone=settings.timezone),
        calendar=market_calendar(),
        delivery=DeliveryPolicy(messages_per_day=2, lot_days=365),
        chunk_size=CHUNK,
        chunk_pause=phase.pause,
    )


async def me_operation(base_url: str, tokens: list[str]) -> tuple[httpx.AsyncClient, Any]:
    client = httpx.AsyncClient(base_url=base_url, limits=httpx.Limits(max_connections=64))
    choice = random.Random(14)

    async def get_me() -> int:
        token = tokens[choice.randrange(len(tokens))]
        response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        return 1

    return client, get_me


async def run(url: str, secret: str, base_url: str, tokens: list[str]) -> Figures:
    settings = Settings(_env_file=None, database_url=url, secret_key=SecretStr(secret))
    engine = create_engine(url, settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        await prime_ledger(sessionmaker, url)
        previews, counts = await time_previews(sessionmaker, settings.timezone)
        print(f"  previews: {previews} (counts {counts})", flush=True)
        client, get_me = await me_operation(base_url, tokens)
        async with client:
            await closed_loop(get_me, ME_CLIENTS, WARMUP_SECONDS)
            idle = await closed_loop(get_me, ME_CLIENTS, DURATION_SECONDS)
            half_rate = idle.transactions_per_second / 2
            idle_half = await open_loop(get_me, ME_CLIENTS, DURATION_SECONDS, half_rate)
            print(
                f"  /v1/me idle: {idle.transactions_per_second}/s, half p99 {idle_half.p99_ms} ms",
                flush=True,
            )
            phases = [
                await run_phase(sessionmaker, settings, url, phase, get_me, half_rate)
                for phase in PHASES
            ]
    finally:
        await engine.dispose()
    return Figures(previews, counts, idle, idle_half, phases)


async def run_phase(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    url: str,
    phase: Phase,
    get_me: Any,
    half_rate: float,
) -> PhaseFigures:
    """Claim and deliver one grant run as the phase says, /v1/me driven at half load meanwhile."""
    await define_grant(sessionmaker, phase)
    ctx = tick_context(settings, phase)
    started = time.perf_counter()
    assert await claim_due(sessionmaker, ctx) == 1
    claimed = time.perf_counter() - started
    async with sessionmaker() as db:
        run_id, targeted = (
            await db.execute(
                sa.text("SELECT id, targeted FROM campaign_run ORDER BY started_at DESC LIMIT 1")
            )
        ).one()
    print(f"  {phase.name}: claimed {targeted} deliveries in {claimed:.1f} s", flush=True)
    await analyze(url)  # as autovacuum would after the claim's rows
    started = time.perf_counter()
    workers = [
        asyncio.create_task(deliver_run(sessionmaker, run_id, ctx)) for _ in range(phase.workers)
    ]
    during = await open_loop(get_me, ME_CLIENTS, DURATION_SECONDS, half_rate)
    await asyncio.gather(*workers)
    delivered = time.perf_counter() - started
    return PhaseFigures(phase, round(claimed, 2), targeted, round(delivered, 2), during)


def report(figures: Figures) -> bool:
    """Every phase's figures; the marks: the preview, the full-speed run's rate, and the
    /v1/me p99 ratio of the paced run (the setting a deployment runs with)."""
    idle_p99 = figures.me_idle_half.p99_ms
    print(f"campaigns at {USERS:,} learners (+{ME_USERS} with sessions), chunks of {CHUNK}:")
    print(
        f"  /v1/me: idle max {figures.me_idle.transactions_per_second}/s; "
        f"half-load p99 idle {idle_p99} ms"
    )
    for phase in figures.phases:
        during = phase.me_during_run
        ratio = during.p99_ms / idle_p99 if idle_p99 else 0.0
        print(
            f"  {phase.phase.name} ({phase.phase.workers} replicas, rest "
            f"{phase.phase.pause * 1000:.0f} ms): claim {phase.claim_seconds} s, "
            f"{phase.targeted:,} deliveries in {phase.delivery_seconds} s = "
            f"{phase.rate:.0f}/s; /v1/me p99 {during.p99_ms} ms ({ratio:.2f}x idle, "
            f"{during.transactions_per_second}/s)"
        )
    full, paced = figures.phases
    paced_ratio = paced.me_during_run.p99_ms / idle_p99 if idle_p99 else 0.0
    rows = [
        ("segment preview, slowest (s)", max(figures.preview_seconds.values()), "preview_s", "<="),
        ("grant_points deliveries/s, full speed", round(full.rate, 1), "deliveries_per_s", ">="),
        (
            "/v1/me half-load p99 during the paced run / idle",
            round(paced_ratio, 2),
            "me_p99_ratio",
            "<=",
        ),
    ]
    met = True
    for name, value, mark, sense in rows:
        ok = value <= MARKS[mark] if sense == "<=" else value >= MARKS[mark]
        met = met and ok
        print(f"  {name}: {value} (mark {sense} {MARKS[mark]}) {'ok' if ok else 'MISSED'}")
    return met


def main() -> None:
    source, server_url = choose_server()
    print(f"campaigns bench: database {DATABASE} (server: {source})", flush=True)
    url = recreate_database(server_url, DATABASE)
    upgrade(url)
    secret = secrets.token_urlsafe(48)
    users = run_in_own_loop(lambda: write_learners(url))
    tokens = access_tokens(users, secret, datetime.now(UTC))
    env = os.environ | {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", "SECRET_KEY": secret}
    with tempfile.TemporaryDirectory(prefix="investquest-bench-") as data_dir:
        env["INVESTQUEST_DATA_DIR"] = data_dir
        with running(APP, env, Path(data_dir) / "app.log") as base_url:
            figures = run_in_own_loop(lambda: run(url, secret, base_url, tokens))
    if not report(figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
