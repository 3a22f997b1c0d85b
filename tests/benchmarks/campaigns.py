"""Issue 14's campaign figures (`make bench` runs it after the HTTP bench; alone:
`python -m tests.benchmarks.campaigns`):

- segment preview at USERS learners: the count and the sample of two segments (the plain
  columns, and one reading the streaks too), PREVIEWS times each, the slowest counts;
- one `grant_points` run to every learner, delivered as a deployment delivers it: the tick's
  context is built from the settings by `api.campaigns.jobs.campaign_tick_context` (chunk size,
  deliveries a second, workers at once; CAMPAIGN_* variables override them as they would a
  server's), and REPLICAS schedulers deliver the run together, each coming back every tick
  period while the run is unfinished; the claim (targeting: one INSERT ... SELECT of the deliveries) is timed apart,
  the deliveries a second from the first chunk to the last;
- `GET /v1/me` with wrk against one app server (no scheduler), as the HTTP bench drives it: its
  maximum rate, then half that rate for ME_SECONDS twice, in the same conditions but for the
  run: idle right before the deliveries start (the p99 the run is held to, after the claim and
  a VACUUM ANALYZE of its rows, so nothing else runs between the two), and from RAMP_SECONDS
  after they start, while the run executes (the report says whether the run outlasted the
  window; the mark needs it to).

The data set is written straight into a fresh `{BENCH_DATABASE_NAME}_campaigns` database with
generate_series: USERS learners of mixed locale, age, birthday and risk profile, a third with a
streak; plus the accounts data set's 1,000 learners with sessions, whose tokens /v1/me uses.
"""

import asyncio
import os
import secrets
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.campaigns.jobs import CAMPAIGN_TICK_PERIOD_SECONDS, campaign_tick_context
from api.database import create_engine, create_sessionmaker, run_in_own_loop
from api.migrations import upgrade
from api.settings import Settings
from gamification.campaigns.definitions import CampaignDraft
from gamification.campaigns.filters import parse_filter
from gamification.campaigns.runs import TickContext
from gamification.campaigns.segment_sql import SegmentContext
from gamification.campaigns.segments import create_segment, segment_count, segment_sample
from gamification.campaigns.service import create_campaign
from gamification.campaigns.tick import claim_due, deliver_run
from gamification.contests.calendar import market_calendar
from gamification.ledger.operations import Earn, earn_many
from tests.benchmarks.accounts import (
    TOKENS_FILE,
    BenchUser,
    access_tokens,
    create_users,
    password_hash_once,
    write_lines,
)
from tests.benchmarks.database import BENCH_DATABASE, choose_server
from tests.benchmarks.servers import HOST, Server, running
from tests.benchmarks.wrk import Wrk, WrkResult, ensure_wrk
from tests.databases import asyncpg_dsn, recreate_database

DATABASE = f"{BENCH_DATABASE}_campaigns"
# A quick look: BENCH_CAMPAIGN_USERS=100000.
USERS = int(os.environ.get("BENCH_CAMPAIGN_USERS", 1_000_000))
PREVIEWS = 3
ME_USERS = 1_000
ME_SCRIPT = Path(__file__).with_name("me.lua")
REPLICAS = 2  # schedulers delivering the run, as two `serve` replicas would
RAMP_SECONDS = 5  # from the deliveries' start to the /v1/me window during the run
# How long /v1/me is driven at half load, idle and during the run alike (a quick look at a
# small run: BENCH_CAMPAIGN_ME_SECONDS=10).
ME_SECONDS = int(os.environ.get("BENCH_CAMPAIGN_ME_SECONDS", 30))
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
EVERYONE = {"field": "registered_at", "op": "gte", "value": "2000-01-01"}
APP = Server(
    "app",
    lambda port, workers: [
        *(sys.executable, "-m", "api.cli", "serve", "--no-scheduler", "--no-seed"),
        *("--host", HOST, "--port", str(port), "--workers", str(workers)),
    ],
)


@dataclass(frozen=True)
class RunFigures:
    claim_seconds: float
    targeted: int
    delivery_seconds: float
    window_seconds: int
    outlasted: bool  # the run was still delivering when the /v1/me window closed
    me_during_run: WrkResult

    @property
    def rate(self) -> float:
        return self.targeted / self.delivery_seconds if self.delivery_seconds else 0.0


@dataclass(frozen=True)
class Figures:
    preview_seconds: dict[str, float]
    preview_counts: dict[str, int]
    me_max: WrkResult
    me_idle_half: WrkResult
    grant: RunFigures
    context: TickContext


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


async def define_grant(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    now = datetime.now(UTC)
    async with sessionmaker.begin() as db:
        segment = await create_segment(
            db, name="everyone", filter_=EVERYONE, created_by=None, now=now
        )
        draft = CampaignDraft(
            name="bench grant",
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


async def analyze(url: str, *, vacuum: bool = False) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
    finally:
        await conn.close()


async def run(url: str, settings: Settings, wrk: Wrk, me_url: str) -> Figures:
    engine = create_engine(url, settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        await prime_ledger(sessionmaker, url)
        previews, counts = await time_previews(sessionmaker, settings.timezone)
        print(f"  previews: {previews} (counts {counts})", flush=True)
        await asyncio.to_thread(wrk.warm_up, me_url, ME_SCRIPT)
        me_max = await asyncio.to_thread(wrk.max_rate, me_url, ME_SCRIPT)
        print(f"  /v1/me max {me_max.rps}/s", flush=True)
        await define_grant(sessionmaker)
        context = campaign_tick_context(settings, datetime.now(UTC))
        idle, grant = await run_grant(sessionmaker, url, context, wrk, me_url, me_max.rps / 2)
    finally:
        await engine.dispose()
    return Figures(previews, counts, me_max, idle, grant, context)


async def run_progress(
    sessionmaker: async_sessionmaker[AsyncSession], run_id: uuid.UUID
) -> tuple[int, str]:
    """(deliveries made or skipped so far, the run's status)."""
    async with sessionmaker() as db:
        row = (
            await db.execute(
                sa.text(
                    "SELECT delivered + skipped + failed AS done, status FROM campaign_run"
                    " WHERE id = :id"
                ),
                {"id": run_id},
            )
        ).one()
    return int(row.done), str(row.status)


async def scheduler(
    sessionmaker: async_sessionmaker[AsyncSession], run_id: uuid.UUID, ctx: TickContext
) -> float | None:
    """One replica's ticks for the run: deliver until none is left to claim, then come back a
    tick period later while the run is unfinished (a chunk left for the next tick, or chunks
    the cap on chunks at once kept this replica from); when it finished the run, the time it
    did (None: another replica did)."""
    while True:
        _, finished = await deliver_run(sessionmaker, run_id, ctx)
        if finished:
            return time.perf_counter()
        if (await run_progress(sessionmaker, run_id))[1] != "running":
            return None
        await asyncio.sleep(CAMPAIGN_TICK_PERIOD_SECONDS)


async def run_grant(
    sessionmaker: async_sessionmaker[AsyncSession],
    url: str,
    ctx: TickContext,
    wrk: Wrk,
    me_url: str,
    half_rate: float,
) -> tuple[WrkResult, RunFigures]:
    """Claim the run; /v1/me at half load for ME_SECONDS idle; deliver the run with REPLICAS
    schedulers, /v1/me at the same rate for as long from RAMP_SECONDS after they start."""
    started = time.perf_counter()
    assert await claim_due(sessionmaker, ctx) == 1
    claimed = time.perf_counter() - started
    async with sessionmaker() as db:
        run_id, targeted = (
            await db.execute(sa.text("SELECT id, targeted FROM campaign_run"))
        ).one()
    print(f"  claimed {targeted:,} deliveries in {claimed:.1f} s", flush=True)
    # The claim's million rows vacuumed and analysed, as autovacuum would soon do: done here,
    # before the idle window, so that its work falls in neither window (it fell in the idle
    # one, which followed the claim at once).
    await analyze(url, vacuum=True)
    idle = await asyncio.to_thread(wrk.at_rate, me_url, ME_SCRIPT, half_rate, ME_SECONDS)
    print(f"  /v1/me idle: at {idle.rps}/s p99 {idle.p99_ms} ms ({ME_SECONDS} s)", flush=True)
    started = time.perf_counter()
    replicas = [asyncio.create_task(scheduler(sessionmaker, run_id, ctx)) for _ in range(REPLICAS)]
    await asyncio.sleep(RAMP_SECONDS)
    during = await asyncio.to_thread(wrk.at_rate, me_url, ME_SCRIPT, half_rate, ME_SECONDS)
    done, _ = await run_progress(sessionmaker, run_id)
    # The run ends with its last chunk, when the replica delivering it finishes the run; not
    # when the last of the others wakes, up to a tick period later, to find nothing left.
    finished_at = min(at for at in await asyncio.gather(*replicas) if at is not None)
    delivered = finished_at - started
    return idle, RunFigures(
        round(claimed, 2), targeted, round(delivered, 2), ME_SECONDS, done < targeted, during
    )


def report(figures: Figures) -> bool:
    """The figures and the marks: the preview, the run's deliveries a second, and the /v1/me
    half-load p99 during the run against idle, all as the settings ship (or as overridden)."""
    ctx, grant = figures.context, figures.grant
    idle_p99 = figures.me_idle_half.p99_ms
    during = grant.me_during_run
    ratio = during.p99_ms / idle_p99 if idle_p99 else 0.0
    print(f"campaigns at {USERS:,} learners (+{ME_USERS} with sessions):")
    print(
        f"  delivery: chunks of {ctx.chunk_size}, at most {ctx.delivery_rate or 'any'}/s, "
        f"at most {ctx.chunk_workers or 'any'} workers at once, {REPLICAS} replicas"
    )
    print(
        f"  /v1/me: max {figures.me_max.rps}/s; at {figures.me_idle_half.rps}/s idle p99 "
        f"{idle_p99} ms, during the run p99 {during.p99_ms} ms at {during.rps}/s "
        f"({during.errors} errors, window {grant.window_seconds} s, "
        f"{'the run outlasted it' if grant.outlasted else 'the run ended first'})"
    )
    print(
        f"  grant_points: claim {grant.claim_seconds} s, {grant.targeted:,} deliveries in "
        f"{grant.delivery_seconds} s"
    )
    rows = [
        ("segment preview, slowest (s)", max(figures.preview_seconds.values()), "preview_s", "<="),
        ("grant_points deliveries/s", round(grant.rate, 1), "deliveries_per_s", ">="),
        ("/v1/me half-load p99 during the run / idle", round(ratio, 2), "me_p99_ratio", "<="),
    ]
    met = grant.outlasted and not during.errors
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
    settings = Settings(_env_file=None, database_url=url, secret_key=SecretStr(secret))
    users = run_in_own_loop(lambda: write_learners(url))
    wrk = ensure_wrk()
    env = os.environ | {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", "SECRET_KEY": secret}
    with tempfile.TemporaryDirectory(prefix="investquest-bench-") as data_dir:
        write_lines(Path(data_dir) / TOKENS_FILE, access_tokens(users, secret, datetime.now(UTC)))
        wrk = Wrk(wrk.binary, {"BENCH_DATA_DIR": data_dir, "BENCH_LUA_DIR": str(ME_SCRIPT.parent)})
        env["INVESTQUEST_DATA_DIR"] = data_dir
        with running(APP, env, Path(data_dir) / "app.log") as base_url:
            me_url = f"{base_url}/v1/me"
            figures = run_in_own_loop(lambda: run(url, settings, wrk, me_url))
    if not report(figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
