"""What the activity-event triggers (migration 0027) cost the quiz attempt and contest order
inserts, measured inside PostgreSQL so that the figure does not depend on HTTP or on the load.

Run after `python -m tests.bench --only quiz,orders` on the same BENCH_DATABASE_NAME (the
scenarios leave attempts and orders to copy). Each sample inserts a copy of an existing row under
EXPLAIN ANALYZE in a transaction that is rolled back, alternately with the table's activity
trigger enabled and disabled (ALTER TABLE ... DISABLE TRIGGER, rolled back too), and reads the
statement's execution time and the trigger's own time. Medians are printed.

    BENCH_DATABASE_NAME=... python -m tests.benchmarks.activity_triggers [--samples N]
"""

import argparse
import asyncio
import json
import statistics
from typing import Any

import asyncpg

from tests.benchmarks.database import BENCH_DATABASE, choose_server
from tests.databases import asyncpg_dsn, with_database

# (table, trigger): the insert paths the issue asks about.
PATHS = (
    ("course_quiz_attempt", "activity_quiz_attempted"),
    ("contest_order", "activity_order_placed"),
)
# A copy of one row with a new id (and, for orders, a new client order id).
COPY = """
INSERT INTO {table} SELECT * FROM jsonb_populate_record(NULL::{table}, (
    SELECT to_jsonb(t) || jsonb_build_object('id', gen_random_uuid(),
                                             'client_order_id', md5(random()::text))
    FROM {table} t WHERE id = $1))
"""


async def _sample(
    conn: asyncpg.Connection, table: str, trigger: str, row: Any, *, on: bool
) -> tuple[float, float]:
    """(execution ms, trigger ms) of one insert, rolled back."""
    tx = conn.transaction()
    await tx.start()
    try:
        if not on:
            await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        plan = await conn.fetchval(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + COPY.format(table=table), row
        )
    finally:
        await tx.rollback()
    (result,) = json.loads(plan)
    spent = sum(t["Time"] for t in result.get("Triggers", []) if t["Trigger Name"] == trigger)
    return result["Execution Time"], spent


async def measure(url: str, samples: int) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    figures = []
    try:
        for table, trigger in PATHS:
            row = await conn.fetchval(f"SELECT id FROM {table} ORDER BY id DESC LIMIT 1")
            if row is None:
                raise SystemExit(f"{table} is empty: run tests.bench --only quiz,orders first")
            with_trigger: list[float] = []
            without: list[float] = []
            trigger_ms: list[float] = []
            for n in range(samples * 2):
                on = n % 2 == 0
                total, spent = await _sample(conn, table, trigger, row, on=on)
                (with_trigger if on else without).append(total)
                if on:
                    trigger_ms.append(spent)
            figures.append(
                {
                    "table": table,
                    "insert_ms_with_trigger": statistics.median(with_trigger),
                    "insert_ms_without": statistics.median(without),
                    "trigger_ms": statistics.median(trigger_ms),
                    "samples": samples,
                }
            )
    finally:
        await conn.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    _, server = choose_server()
    url = with_database(server, BENCH_DATABASE)
    for figure in asyncio.run(measure(url, args.samples)):
        added = figure["insert_ms_with_trigger"] - figure["insert_ms_without"]
        print(
            f"{figure['table']:<20} insert {figure['insert_ms_without']:.3f} ms without the "
            f"trigger, {figure['insert_ms_with_trigger']:.3f} ms with it (+{added:.3f} ms); "
            f"the trigger itself {figure['trigger_ms']:.3f} ms (medians of {figure['samples']})"
        )


if __name__ == "__main__":
    main()
