"""A test run killed before its end leaves its databases on the server; a later run drops them
once nobody uses them and they are older than any run lasts (`drop_abandoned_runs`)."""

import time

import asyncpg

from tests.databases import (
    ABANDONED_AFTER_SECONDS,
    RunDatabases,
    admin_url,
    asyncpg_dsn,
    drop_abandoned_runs,
    with_database,
)

LONG_AGO = int(time.time()) - ABANDONED_AFTER_SECONDS - 60
# name: its note (None: none), and whether a connection stays on it meanwhile
DATABASES: dict[str, tuple[str | None, bool]] = {
    "investquest_test_0dead000_gw0_scratch": (None, False),  # goes with its run
    "investquest_test_0dead000_gw0": (f"0dead000run {LONG_AGO}", False),
    "investquest_test_0dead000_template": (f"0dead000run {LONG_AGO}", False),
    "investquest_test_0fresh00_gw0": (f"0fresh00run {int(time.time())}", False),
    "investquest_test_0inuse00": (f"0inuse00run {LONG_AGO}", True),
    "investquest_test_0nonote0": (None, False),  # not a run's: left alone
}


async def test_a_killed_runs_databases_are_dropped_by_a_later_run(
    database_url: str, run_names: tuple[RunDatabases, str]
) -> None:
    admin = await asyncpg.connect(asyncpg_dsn(admin_url(database_url)))
    holding = []
    try:
        # Each made whole (connected to, then noted) before it can look abandoned to another
        # run starting meanwhile.
        for name, (note, in_use) in DATABASES.items():
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
            if in_use:
                holding.append(
                    await asyncpg.connect(asyncpg_dsn(with_database(database_url, name)))
                )
            if note is not None:
                await admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{note}'")

        dropped = drop_abandoned_runs(database_url, run_names[0])

        # Another run starting meanwhile (a worker, CI beside a developer) may drop some first.
        dead = {name for name in DATABASES if name.startswith("investquest_test_0dead000")}
        assert set(dropped) <= dead
        left = {row["datname"] for row in await admin.fetch("SELECT datname FROM pg_database")}
        assert set(DATABASES) & left == {
            "investquest_test_0fresh00_gw0",
            "investquest_test_0inuse00",
            "investquest_test_0nonote0",
        }
        assert run_names[0].own in left  # this run's own, of course
    finally:
        for conn in holding:
            await conn.close()
        for name in DATABASES:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
