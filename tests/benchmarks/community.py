"""Issue 13's community figures (`make bench` runs it after the HTTP bench; alone:
`python -m tests.benchmarks.community`):

- feed page rps at POSTS posts, one server process, against B-db-page (a bare 20-row page from
  an asyncpg pool) on the same machine and database server: mark at least 0.25 times;
- page DEEP_PAGE of the feed (its cursor computed from the data) against page 1: mark at most
  1.2 times page 1's p50 latency, i.e. at least page 1's rps / 1.2;
  the three are measured with both servers up, each warmed once and then run in turn ROUNDS
  times (the order reversed every other round), the median run of each compared;
- posts written per second over HTTP with the compliance filter on (reported, no mark);
- the filter's cost per post, in process: checking, normalising and screening a 2,000-character
  post, p99 of FILTER_SAMPLES runs: mark at most 1 ms. The mark reads the thread's CPU time
  (what the filter costs); the wall time, which a loaded machine stretches, is shown beside it.

The data set goes straight into a fresh `$BENCH_DATABASE_NAME` + `_community` with generate_series:
AUTHORS members and POSTS posts over the last year, one in five tagged, one in 500 pending
(two per member, which each reader sees in the feed beside the published ones).
"""

import asyncio
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from api.database import run_in_own_loop
from api.migrations import upgrade
from api.pagination import encode_cursor
from api.settings import MODERATION_RULES
from gamification.community.content import post_draft
from gamification.community.screening import moderation_rules
from tests.benchmarks.accounts import access_tokens, create_users, password_hash_once, write_lines
from tests.benchmarks.database import _create_items, choose_server
from tests.benchmarks.servers import running, uvicorn_server
from tests.benchmarks.wrk import WrkResult, ensure_wrk
from tests.databases import asyncpg_dsn, recreate_database

# Its own database (BENCH_DATABASE_NAME + "_community"), beside the HTTP bench's.
DATABASE = os.environ.get("BENCH_DATABASE_NAME", "investquest_bench") + "_community"
# Smaller runs for a quick look: BENCH_COMMUNITY_POSTS=100000.
POSTS = int(os.environ.get("BENCH_COMMUNITY_POSTS", 1_000_000))
AUTHORS = 1_000
PAGE_SIZE = 20
DEEP_PAGE = 500
FILTER_SAMPLES = 5_000
ROUNDS = 3
SCRIPTS = Path(__file__).resolve().parent
MARKS = {"feed_vs_db_page": 0.25, "deep_page_latency_ratio": 1.2, "filter_p99_ms": 1.0}
SERVER_ENV = {
    "LOG_LEVEL": "WARNING",
    "COMMUNITY_POSTS_PER_HOUR": "10000",
    "COMMUNITY_POSTS_PER_DAY": "100000",
    "COMMUNITY_NEW_ACCOUNT_HOLD_HOURS": "0",
}
B_DB = uvicorn_server("B-db", "tests.benchmarks.baselines:db_app")
APP_COMMAND = [sys.executable, "-m", "api.cli", "serve", "--no-scheduler", "--no-seed"]


@dataclass(frozen=True)
class Figures:
    db_page: WrkResult
    feed_first: WrkResult
    feed_deep: WrkResult
    posts_written: WrkResult
    filter_ms: list[float]  # CPU time of each run
    filter_wall_ms: list[float]


async def write_data_set(url: str, data_dir: Path, secret: str) -> str:
    """The members, their tokens and POSTS posts; returns the deep page's feed path."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    now = datetime.now(UTC)
    try:
        users = await create_users(
            conn, AUTHORS, group="member", now=now, password_hash=password_hash_once()
        )
        await conn.execute("CREATE TEMP TABLE author AS SELECT id, row_number() OVER () AS k "
                           "FROM user_account")  # fmt: skip
        await conn.execute(
            "INSERT INTO community_post (id, user_id, body, tags, symbols, status, like_count,"
            " comment_count, open_reports, created_at, published_at)"
            " SELECT gen_random_uuid(), a.id,"
            " '今天学了分散投资和止损，第 ' || n || ' 条笔记。Keep positions small and learn first.',"
            " CASE WHEN n % 5 = 0 THEN ARRAY['etf'] ELSE '{}' END,"
            " CASE WHEN n % 50 = 7 THEN ARRAY['600519.SH'] ELSE '{}' END,"
            " CASE WHEN n % 500 = 0 THEN 'pending' ELSE 'published' END, n % 37, n % 5, 0,"
            " t.at, t.at"
            " FROM generate_series(1, $1::integer) AS n"
            " JOIN author a ON a.k = 1 + n % $2::integer"
            " CROSS JOIN LATERAL (SELECT now() - (n || ' seconds')::interval * 31 AS at) t",
            POSTS,
            AUTHORS,
        )
        await conn.execute(
            "INSERT INTO community_post_topic (topic, created_at, post_id)"
            " SELECT 'tag:' || tag, created_at, id FROM community_post, unnest(tags) AS tag"
        )
        await conn.execute("ANALYZE")
        deep = await conn.fetchrow(
            "SELECT created_at, id FROM community_post WHERE status = 'published'"
            " ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1",
            DEEP_PAGE * PAGE_SIZE - PAGE_SIZE - 1,
        )
    finally:
        await conn.close()
    assert deep is not None
    write_lines(data_dir / "community-tokens.txt", access_tokens(users, secret, now))
    cursor = encode_cursor((deep["created_at"].isoformat(), deep["id"]))
    return f"/v1/posts?limit={PAGE_SIZE}&cursor={cursor}"


def filter_cost() -> tuple[list[float], list[float]]:
    """Milliseconds (CPU, wall) to check and screen a 2,000-character post, FILTER_SAMPLES
    times."""
    rules = moderation_rules(MODERATION_RULES)
    words = ["止损", "分散", "仓位", "ETF", "指数", "复利", "风险", "学习", "stop-loss", "index",
             "fund", "market", "600519.SH", "一三八", "ｆｕｌｌ", "risk", "期权", "收益"]  # fmt: skip
    picker = random.Random(13)
    texts = []
    for _ in range(200):
        text = ""
        while len(text) < 2_000:
            text += picker.choice(words) + picker.choice(("，", " ", "。", "\n"))
        texts.append(text[:2_000])
    cpu, wall = [], []
    for n in range(FILTER_SAMPLES):
        text = texts[n % len(texts)]
        started, started_cpu = time.perf_counter(), time.thread_time()
        post_draft(text, ["notes"], [], max_length=2_000)
        rules.screen(text)
        cpu.append((time.thread_time() - started_cpu) * 1_000)
        wall.append((time.perf_counter() - started) * 1_000)
    return cpu, wall


def measure(url: str, data_dir: Path, secret: str, deep_path: str) -> Figures:
    """B-db-page, feed page 1 and feed page DEEP_PAGE, with both servers up, each warmed once,
    then measured in turn ROUNDS times (the order reversed every other round; the median run
    of each by rps): on a shared machine, runs minutes apart compare different loads. Then the
    posts written."""
    wrk = ensure_wrk()
    wrk = type(wrk)(
        wrk.binary, env={"BENCH_DATA_DIR": str(data_dir), "BENCH_LUA_DIR": str(SCRIPTS)}
    )
    env = os.environ | {"DATABASE_URL": url, "SECRET_KEY": secret} | SERVER_ENV
    app = type(B_DB)("app", lambda port, workers: [
        *APP_COMMAND, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)
    ])  # fmt: skip
    feed_script, post_script = SCRIPTS / "community_feed.lua", SCRIPTS / "community_post.lua"
    with running(B_DB, env) as db_base, running(app, env, data_dir / "app.log") as base:
        targets = (
            (f"{db_base}/page", None, None),
            (f"{base}/v1/posts", feed_script, f"/v1/posts?limit={PAGE_SIZE}"),
            (f"{base}/v1/posts", feed_script, deep_path),
        )

        def aim(target: tuple[str, Path | None, str | None]) -> tuple[str, Path | None]:
            url, script, feed_path = target
            if feed_path is not None:  # the feed script reads its path from this file
                write_lines(data_dir / "community-feed-path.txt", [feed_path])
            return url, script

        for target in targets:
            wrk.warm_up(*aim(target))
        runs: list[list[WrkResult]] = [[] for _ in targets]
        for round_number in range(ROUNDS):
            order = range(len(targets)) if round_number % 2 == 0 else reversed(range(len(targets)))
            for index in order:
                runs[index].append(wrk.max_rate(*aim(targets[index])))
        posts_written = wrk.max_rate(f"{base}/v1/posts", post_script)
    for name, results in zip(
        ("B-db-page", "feed page 1", f"feed page {DEEP_PAGE}"), runs, strict=True
    ):
        print(
            f"  {name}: " + ", ".join(f"{r.rps:.0f} rps (p50 {r.p50_ms:.2f} ms)" for r in results),
            flush=True,
        )
    db_page, first, deep = (sorted(results, key=lambda r: r.rps)[ROUNDS // 2] for results in runs)
    return Figures(db_page, first, deep, posts_written, *filter_cost())


def report(figures: Figures) -> list[tuple[str, float, float, bool]]:
    feed_ratio = figures.feed_first.rps / figures.db_page.rps
    deep_ratio = figures.feed_deep.p50_ms / figures.feed_first.p50_ms
    rps_ratio = figures.feed_first.rps / figures.feed_deep.rps
    ordered, wall = sorted(figures.filter_ms), sorted(figures.filter_wall_ms)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    wall_p99 = wall[int(len(wall) * 0.99) - 1]
    print(f"\ncommunity bench at {POSTS:,} posts, one server process")
    for name, result in (
        ("B-db-page", figures.db_page),
        ("feed page 1", figures.feed_first),
        (f"feed page {DEEP_PAGE}", figures.feed_deep),
        ("POST /v1/posts", figures.posts_written),
    ):
        print(
            f"  {name:<16} {result.rps:8.1f} rps  p50 {result.p50_ms:7.2f} ms  "
            f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}  statuses {result.statuses}"
        )
    print(
        f"  filter per 2,000-character post: p50 {statistics.median(ordered):.3f} ms, "
        f"p99 {p99:.3f} ms, max {ordered[-1]:.3f} ms CPU; wall p50 "
        f"{statistics.median(wall):.3f} ms, p99 {wall_p99:.3f} ms ({len(ordered)} runs)"
    )
    print(f"  page {DEEP_PAGE} over page 1: p50 {deep_ratio:.2f}x, rps {rps_ratio:.2f}x")
    return [
        ("feed page rps / B-db-page rps", feed_ratio, MARKS["feed_vs_db_page"], feed_ratio >= 0.25),
        (f"page {DEEP_PAGE} p50 / page 1 p50", deep_ratio, 1.2, deep_ratio <= 1.2),
        ("filter p99 ms CPU (2,000 characters)", p99, 1.0, p99 <= 1.0),
        ("posts written per second (report)", figures.posts_written.rate_of(201), 0.0, True),
    ]


def main() -> None:
    source, server_url = choose_server()
    print(f"database: {DATABASE} (server: {source}); load average {os.getloadavg()[0]:.2f}")
    url = recreate_database(server_url, DATABASE)
    upgrade(url)
    run_in_own_loop(lambda: _create_items(url))
    secret = secrets.token_urlsafe(48)
    with tempfile.TemporaryDirectory(prefix="investquest-community-") as folder:
        data_dir = Path(folder)
        started = time.monotonic()
        deep_path = asyncio.run(write_data_set(url, data_dir, secret))
        print(f"data set written in {time.monotonic() - started:.0f} s", flush=True)
        figures = measure(url, data_dir, secret, deep_path)
    marks = report(figures)
    print("\nmarks (issue 13)")
    for name, value, mark, met in marks:
        verdict = "met" if met else "SHORT"
        print(f"  {name:<36} {value:10.3f}  mark {mark:g}  {verdict}")


if __name__ == "__main__":
    main()
