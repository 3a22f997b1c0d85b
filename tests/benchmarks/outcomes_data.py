"""The outcomes bench's data set, written with SQL into a database the bench owns:

- `users` clients signing up over 24 months (more of them lately, the density growing linearly),
  a third with a broker account opened within 60 days of signing up, half of those with a first
  trade at the broker within 30 days of it and a quarter with an asset tier change;
- about `events` activity events in all: each client's sign-up (and broker facts), then an
  exponentially distributed number of events per client (mean: what is left of `events` per
  client), spread from the sign-up to now with more of them early on (a client's event falls at
  sign-up + (now - sign-up) x U^2, U uniform), of every kind in realistic proportions;
- `entries` contest entries over 24 monthly contests, each with ten filled orders and daily
  equity snapshots, a third of their users completing the risk-and-diversification course in
  the middle of their contest (the entries' and orders' own triggers add their events).

How it is fast (about 50 million events in minutes on two cores): the event log's indexes and
primary key are dropped first and built once at the end; each month partition is written by one
`COPY ... FROM STDIN (FORMAT binary, FREEZE)` in the transaction that truncates it, fed by a
second connection's `COPY (SELECT ...) TO STDOUT` generating that month's events in time order
(as the app appends them): no per-row index upkeep, no partition routing, multi-row inserts, and
the pages written frozen and all-visible (no VACUUM pass, no hint-bit writes when the rollup
first reads them). A month holds, for each client, floor(rate x share + U) events, where share
is the part of the client's time density inside the month (sqrt of the elapsed fraction at the
month's end less at its start) and rate the client's exponential draw: the same distribution as
drawing each client's events at once, cut by month.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg

CLIENT_EMAIL = "%@bench.example"
YEARS_OF_SIGN_UPS = 2

USERS_SQL = """
INSERT INTO user_account (id, email, password_hash, display_name, locale, timezone, roles,
                          password_changed_at, created_at, public_boards, broker_account_opened_at)
SELECT id, 'client' || n || '@bench.example', 'x', 'client ' || n,
       CASE WHEN n % 4 = 0 THEN 'en' ELSE 'zh-CN' END, 'Asia/Shanghai', ARRAY['learner'],
       created_at, created_at, true,
       CASE WHEN n % 3 = 0 THEN least($2::timestamptz, created_at + random() * interval '60 days')
       END
FROM (
    SELECT n, gen_random_uuid() AS id,
           $2::timestamptz - interval '730 days' + interval '730 days' * sqrt(random())
               AS created_at
    FROM generate_series(1, $1::integer) AS n
) u
"""

# Each client's figures for the month statements: its event rate and broker facts.
CLIENTS_SQL = """
CREATE UNLOGGED TABLE bench_client (
    id uuid NOT NULL, created_at timestamptz NOT NULL, opened_at timestamptz,
    first_trade_at timestamptz, tier_at timestamptz, tier text,
    c float8 NOT NULL, life float8 NOT NULL, rate float8 NOT NULL
)
"""
FILL_CLIENTS_SQL = """
INSERT INTO bench_client
SELECT id, created_at, opened_at,
       -- least() skips a NULL: without an account, no broker facts (not "now")
       CASE WHEN opened_at IS NOT NULL AND x < .5
            THEN least($2, opened_at + x * interval '60 days') END,
       CASE WHEN opened_at IS NOT NULL AND x >= .75
            THEN least($2, opened_at + (x - .75) * interval '720 days') END,
       CASE WHEN opened_at IS NOT NULL AND x >= .75
            THEN (ARRAY['silver', 'gold', 'platinum'])[1 + (x * 1000)::int % 3] END,
       extract(epoch FROM created_at), greatest(extract(epoch FROM $2 - created_at), 1),
       -ln(1 - random()) * $1::float8
FROM (SELECT id, created_at, broker_account_opened_at AS opened_at, random() AS x
      FROM user_account WHERE email LIKE '%@bench.example') u
"""

# One month partition's events, [$1, $2), in time order, numbered on from $3 (the log's
# sequence is set past the last number at the end: a nextval a row costs more than the rest).
MONTH_SQL = """
SELECT $3::bigint + row_number() OVER (ORDER BY occurred_at) AS id, occurred_at, user_id, kind,
       detail
FROM (
    SELECT created_at AS occurred_at, id AS user_id, 'signed_up' AS kind, NULL AS detail
    FROM bench_client WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz
    UNION ALL
    SELECT opened_at, id, 'broker_account_opened', NULL
    FROM bench_client WHERE opened_at >= $1::timestamptz AND opened_at < $2::timestamptz
    UNION ALL
    SELECT first_trade_at, id, 'broker_first_trade', NULL
    FROM bench_client WHERE first_trade_at >= $1::timestamptz AND first_trade_at < $2::timestamptz
    UNION ALL
    SELECT tier_at, id, 'broker_tier_changed', tier
    FROM bench_client WHERE tier_at >= $1::timestamptz AND tier_at < $2::timestamptz
    UNION ALL
    SELECT greatest($1::timestamptz, least($2::timestamptz - interval '1 microsecond',
               to_timestamp(c + life * power(s1 + (s2 - s1) * u, 2)))),
           id,
           CASE WHEN r < .25 THEN 'lesson_opened' WHEN r < .42 THEN 'lesson_completed'
                WHEN r < .57 THEN 'quiz_attempted' WHEN r < .70 THEN 'inbox_read'
                WHEN r < .80 THEN 'order_placed' WHEN r < .82 THEN 'contest_joined'
                WHEN r < .86 THEN 'post_published' WHEN r < .865 THEN 'report_filed'
                WHEN r < .895 THEN 'voucher_redeemed' WHEN r < .915 THEN 'voucher_consumed'
                WHEN r < .92 THEN 'nps_answered' ELSE 'lesson_opened' END,
           CASE WHEN r >= .42 AND r < .57
                    THEN (ARRAY['passed', 'passed', 'failed'])[1 + (d * 3)::int % 3]
                WHEN r >= .865 AND r < .915 THEN (ARRAY['fee', 'yield'])[1 + (d * 2)::int % 2]
                WHEN r >= .915 AND r < .92 THEN ((d * 11)::int % 11)::text
                WHEN r < .42 OR r >= .92 THEN 'lesson-' || (d * 300)::int END
    FROM (
        SELECT w.id, w.c, w.life, w.s1, w.s2, random() AS u, random() AS r, random() AS d
        FROM (
            SELECT id, c, life, rate,
                   sqrt(least(greatest((extract(epoch FROM $1::timestamptz) - c) / life, 0), 1))
                       AS s1,
                   sqrt(least(greatest((extract(epoch FROM $2::timestamptz) - c) / life, 0), 1))
                       AS s2
            FROM bench_client WHERE created_at < $2::timestamptz
        ) w
        CROSS JOIN LATERAL generate_series(1, floor(w.rate * (w.s2 - w.s1) + random())::int) g
    ) e
) month_events
"""

EVENT_COLUMNS = ["id", "occurred_at", "user_id", "kind", "detail"]

# Dropped before the load, built after it (the primary key first, as the migration has it).
EVENT_INDEXES = (
    (
        "ALTER TABLE activity_event DROP CONSTRAINT pk_activity_event",
        "ALTER TABLE activity_event ADD CONSTRAINT pk_activity_event PRIMARY KEY (occurred_at, id)",
    ),
    (
        "DROP INDEX ix_activity_event_user_id_occurred_at",
        "CREATE INDEX ix_activity_event_user_id_occurred_at"
        " ON activity_event (user_id, occurred_at)",
    ),
    (
        "DROP INDEX ix_activity_event_kind_occurred_at",
        "CREATE INDEX ix_activity_event_kind_occurred_at ON activity_event (kind, occurred_at)",
    ),
)

CONTESTS_SQL = """
INSERT INTO contest (id, title_zh, title_en, starts_at, ends_at, registration_ends_at,
    late_entry, starting_cash, market_hours, universe_symbols, universe_boards, rule_pack,
    commission_rate, commission_min, stamp_duty_rate, transfer_fee_rate, t_plus_one, entrants,
    ranking, min_round_trips, min_trading_days, prizes, created_at, updated_at)
SELECT gen_random_uuid(), '月赛 ' || m, 'Monthly ' || m, s, s + interval '27 days',
       s + interval '27 days', true, 1000000, 'always', '{}', '{}', 'cn_a_share',
       0.00025, 5, 0.0005, 0.00001, true, 0, 'return', 0, 0, '[]', s, s
FROM generate_series(1, 24) AS m,
     LATERAL (SELECT date_trunc('month', now()) - (24 - m) * interval '1 month' AS s) AS w
"""

# Entrants among the clients who had signed up by their contest's start.
ENTRIES_SQL = """
INSERT INTO contest_entry (id, contest_id, user_id, joined_at, starting_cash, cash, cash_held,
                           fees_paid, orders_in_window)
SELECT gen_random_uuid(), c.id, u.id, c.starts_at + interval '1 hour', 1000000, 1000000, 0, 0, 0
FROM (SELECT id, starts_at, row_number() OVER (ORDER BY starts_at) - 1 AS k FROM contest) c
CROSS JOIN LATERAL (
    SELECT id FROM bench_client
    WHERE created_at < c.starts_at AND abs(hashtext(id::text)) % 24 = c.k
    LIMIT $1::integer / 24
) u
"""

# Ten filled market orders per entry over its contest's first 25 days, in five symbols.
ORDERS_SQL = """
INSERT INTO contest_order (id, contest_id, entry_id, user_id, client_order_id, request_hash,
    symbol, side, type, quantity, status, filled_quantity, avg_fill_price, commission,
    stamp_duty, transfer_fee, cash_held, trading_day, expires_at, created_at, updated_at)
SELECT gen_random_uuid(), e.contest_id, e.id, e.user_id, 'o' || g, repeat('0', 64),
       (ARRAY['600000.SH', '000001.SZ', '600519.SH', '300750.SZ', '601318.SH'])[1 + g % 5],
       CASE WHEN g > 7 THEN 'sell' ELSE 'buy' END, 'market', 100 * (1 + g % 3), 'filled',
       100 * (1 + g % 3), 10 + g, 0, 0, 0, 0, (c.starts_at + g * interval '2 days 3 hours')::date,
       c.starts_at + g * interval '2 days 3 hours', c.starts_at + g * interval '2 days 3 hours',
       c.starts_at + g * interval '2 days 3 hours'
FROM contest_entry e JOIN contest c ON c.id = e.contest_id, generate_series(1, 10) AS g
"""

FILLS_SQL = """
INSERT INTO contest_fill (id, order_id, contest_id, entry_id, user_id, symbol, side, quantity,
    price, notional, commission, stamp_duty, transfer_fee, cash_delta, at_limit_up, trading_day,
    filled_at)
SELECT gen_random_uuid(), o.id, o.contest_id, o.entry_id, o.user_id, o.symbol, o.side,
       o.quantity, o.avg_fill_price, o.quantity * o.avg_fill_price, 0, 0, 0,
       CASE o.side WHEN 'buy' THEN -1 ELSE 1 END * o.quantity * o.avg_fill_price, false,
       o.trading_day, o.created_at
FROM contest_order o
"""

SNAPSHOTS_SQL = """
INSERT INTO contest_equity_snapshot (entry_id, trading_day, contest_id, equity, taken_at)
SELECT e.id, (c.starts_at + g * interval '1 day')::date, e.contest_id,
       round((1000000 * (1 + 0.05 * sin(g / 3.0 + hashtext(e.id::text) % 7)))::numeric, 2),
       c.starts_at + g * interval '1 day' + interval '7 hours'
FROM contest_entry e JOIN contest c ON c.id = e.contest_id, generate_series(0, 19) AS g
"""

COURSE_SQL = """
WITH course AS (
    INSERT INTO course_course (id, slug, created_at)
    VALUES (gen_random_uuid(), 'risk-and-diversification', now() - interval '3 years')
    RETURNING id
)
INSERT INTO course_progress (user_id, course_id, started_at, updated_at, completed_at)
SELECT e.user_id, course.id, c.starts_at, c.starts_at, c.starts_at + interval '12 days'
FROM contest_entry e JOIN contest c ON c.id = e.contest_id, course
WHERE abs(hashtext(e.user_id::text)) % 3 = 0
ON CONFLICT DO NOTHING
"""


def months_through(first: datetime, last: datetime) -> list[tuple[str, datetime, datetime]]:
    """(partition name, start, end) of each UTC month from `first`'s to `last`'s."""
    months: list[tuple[str, datetime, datetime]] = []
    index = first.year * 12 + first.month - 1
    while True:
        start = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
        if start > last:
            return months
        end = datetime((index + 1) // 12, (index + 1) % 12 + 1, 1, tzinfo=UTC)
        months.append((f"activity_event_y{start.year:04d}m{start.month:02d}", start, end))
        index += 1


async def _copy_month(
    source: asyncpg.Connection,
    target: asyncpg.Connection,
    month: tuple[str, datetime, datetime],
    first_id: int,
) -> int:
    """Replace one partition's rows with the month's generated events; return how many."""
    name, starts, ends = month
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=64)

    async def produce() -> None:
        try:
            await source.copy_from_query(
                MONTH_SQL, starts, ends, first_id, output=queue.put, format="binary"
            )
        finally:
            await queue.put(None)

    async def chunks() -> AsyncIterator[bytes]:
        while (chunk := await queue.get()) is not None:
            yield chunk

    async with target.transaction():
        await target.execute(f"TRUNCATE {name}")
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(produce())
            status = await target.copy_to_table(
                name, source=chunks(), columns=EVENT_COLUMNS, format="binary", freeze=True
            )
    return int(status.split()[-1])


async def write_events(
    source: asyncpg.Connection, target: asyncpg.Connection, *, users: int, per_user: float
) -> int:
    """The clients (with their sign-up rows), then every month partition's events."""
    now = datetime.now(UTC)
    # No JIT (its compiling costs seconds a statement, more than a month's events take), and
    # the month's sort in memory where it fits.
    await source.execute("SET jit = off; SET work_mem = '1GB'")
    for drop, _create in EVENT_INDEXES:
        await target.execute(drop)
    await target.execute(USERS_SQL, users, now)
    await target.execute(CLIENTS_SQL)
    await target.execute(FILL_CLIENTS_SQL, per_user, now)
    first = await target.fetchval("SELECT min(created_at) FROM bench_client")
    total = 0
    for month in months_through(first, now):
        started = time.perf_counter()
        written = await _copy_month(source, target, month, total)
        total += written
        print(
            f"  events: {month[0]} {written:,} in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    await target.execute(
        "SELECT setval(pg_get_serial_sequence('activity_event', 'id'), $1::bigint)",
        total + 1,
    )
    return total


async def write_contests(conn: asyncpg.Connection, *, entries: int) -> None:
    await conn.execute(CONTESTS_SQL)
    await conn.execute(ENTRIES_SQL, entries)
    for statement in (ORDERS_SQL, FILLS_SQL, SNAPSHOTS_SQL, COURSE_SQL):
        await conn.execute(statement)


async def build_indexes(conn: asyncpg.Connection) -> None:
    await conn.execute("SET maintenance_work_mem = '1GB'")
    for _drop, create in EVENT_INDEXES:
        started = time.perf_counter()
        await conn.execute(create)
        name = create.split()[5] if create.startswith("ALTER") else create.split()[2]
        print(f"  {name} built in {time.perf_counter() - started:.0f} s", flush=True)
    await conn.execute("DROP TABLE bench_client")
    await conn.execute("ANALYZE")
