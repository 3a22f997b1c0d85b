"""Creating, dropping and emptying whole test databases on the test server."""

import asyncio
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api.database import asyncpg_url, run_in_own_loop
from api.migrations import upgrade
from gamification.ledger.accounts import SYSTEM_ACCOUNTS

REPO_ROOT = Path(__file__).resolve().parent.parent
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


@dataclass(frozen=True)
class RunDatabases:
    """One test run's databases on the server: this process's own (under pytest-xdist each
    worker, gw0, gw1, ..., has one, cloned from one migrated `template`, see
    `migrated_database`), and a scratch database beside it for the tests that migrate an empty
    one.

    Runs sharing one server (several checkouts, CI beside a developer) must not share names:
    each would drop the other's databases. `TEST_DATABASE_NAME` names them; without it they are
    named after the run (`investquest_test_<run id>`) and dropped at its end (`per_run`)."""

    own: str
    template: str
    per_run: bool

    @property
    def scratch(self) -> str:
        return f"{self.own}_scratch"


def run_databases(run_id: str) -> RunDatabases:
    chosen = os.environ.get("TEST_DATABASE_NAME")
    base = chosen or f"investquest_test_{run_id[:8]}"
    own = f"{base}_{_WORKER}" if _WORKER else base
    return RunDatabases(own=own, template=f"{base}_template", per_run=chosen is None)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(asyncpg_url(url))
    return urlunsplit(parts._replace(path=f"/{database}"))


def admin_url(url: str) -> str:
    return with_database(url, "postgres")


def asyncpg_dsn(url: str) -> str:
    """The URL as asyncpg itself takes it (SQLAlchemy's `postgresql+asyncpg` scheme is not)."""
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


def recreate_database(server_url: str, database: str) -> str:
    """Drop `database` if it exists and create it empty; return its SQLAlchemy URL."""

    async def run() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(admin_url(server_url)))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()

    run_in_own_loop(run)
    return with_database(server_url, database)


def migrated_database(server_url: str, names: RunDatabases, run_id: str) -> str:
    """`names.own` at the migrations' head, cloned from the template database, which the first
    process of the run (`run_id`) to get here migrates once; return its SQLAlchemy URL.

    Workers of one run take turns under an advisory lock: the first one makes the template,
    each clones it (a file copy: a fraction of a second, where `alembic upgrade head` takes
    seconds of CPU in every process)."""
    template = names.template

    async def run() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(admin_url(server_url)))
        try:
            await conn.execute("SELECT pg_advisory_lock(hashtext($1))", template)
            made_for = await conn.fetchval(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
                template,
            )
            if (made_for or "").split(" ")[0] != run_id:
                await conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{template}"')
                template_url = with_database(server_url, template)
                await asyncio.to_thread(upgrade, template_url)
                await conn.execute(f"COMMENT ON DATABASE \"{template}\" IS '{_note(run_id)}'")
            await conn.execute(f'DROP DATABASE IF EXISTS "{names.own}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{names.own}" TEMPLATE "{template}"')
            await conn.execute(f"COMMENT ON DATABASE \"{names.own}\" IS '{_note(run_id)}'")
        finally:
            await conn.close()

    run_in_own_loop(run)
    return with_database(server_url, names.own)


def _note(run_id: str) -> str:
    """What a run's databases say of it (their comment): its id and when it made them."""
    return f"{run_id} {int(time.time())}"


# A run killed outright (SIGKILL, a machine switched off) never drops its databases. A later
# run drops those of a run nobody is connected to whose newest database is older than this: a
# whole suite takes minutes, so such a run is long dead.
ABANDONED_AFTER_SECONDS = 24 * 3600
_RUN_DATABASES = r"""
    SELECT d.datname, shobj_description(d.oid, 'pg_database') AS note,
           EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname) AS in_use
    FROM pg_database d WHERE d.datname LIKE 'investquest\_test\_%'
"""


def drop_abandoned_runs(server_url: str, names: RunDatabases) -> list[str]:
    """Drop the databases of earlier runs that were killed before their end (see
    ABANDONED_AFTER_SECONDS), their scratch databases with them; return their names. Databases
    of which none bears a run's note (made by hand, or by an older checkout) are left alone."""

    async def run() -> list[str]:
        conn = await asyncpg.connect(asyncpg_dsn(admin_url(server_url)))
        try:
            await conn.execute("SELECT pg_advisory_lock(hashtext('investquest_test abandoned'))")
            runs: dict[str, list[asyncpg.Record]] = {}
            for row in await conn.fetch(_RUN_DATABASES):
                runs.setdefault(_run_base(row["datname"]), []).append(row)
            cutoff = time.time() - ABANDONED_AFTER_SECONDS
            dropped = []
            for base, databases in runs.items():
                made = [at for row in databases if (at := _made_at(row["note"])) is not None]
                if (
                    base == _run_base(names.template)
                    or not made  # no run's note: not ours to judge
                    or max(made) > cutoff
                    or any(row["in_use"] for row in databases)
                ):
                    continue
                for row in databases:
                    try:
                        await conn.execute(
                            f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)'
                        )
                    except asyncpg.InsufficientPrivilegeError:
                        continue  # another role's run: its owner's next run drops it
                    dropped.append(row["datname"])
            return dropped
        finally:
            await conn.close()

    return run_in_own_loop(run)


def _run_base(database: str) -> str:
    """`investquest_test_<run id>`: what every database of one run is named by."""
    return "_".join(database.split("_")[:3])


def _made_at(note: str | None) -> float | None:
    parts = (note or "").split(" ")
    return float(parts[1]) if len(parts) == 2 and parts[1].isdigit() else None


def drop_run_databases(server_url: str, names: RunDatabases) -> None:
    """At a process's end, its own and scratch databases and the run's template. The template
    is dropped under the lock its clones take: a worker that needs it later makes it again
    (and drops it at its own end), so whichever process ends last leaves nothing behind."""

    async def run() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(admin_url(server_url)))
        try:
            await conn.execute("SELECT pg_advisory_lock(hashtext($1))", names.template)
            for database in (names.own, names.scratch, names.template):
                await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await conn.close()

    run_in_own_loop(run)


def run_id_of(config: object) -> str:
    """What all workers of one pytest-xdist run share (its `testrunuid`), else a fresh id."""
    workerinput: dict[str, str] | None = getattr(config, "workerinput", None)
    return workerinput["testrunuid"] if workerinput else uuid.uuid4().hex


# Truncating every table costs about 0.3 s a test once the partitioned tables (activity events,
# standings) bring 150 relations: only the tables a test wrote to are truncated (with CASCADE,
# those referencing them too), found by one cheap EXISTS per table, all in one round trip.
_TRUNCATE_WRITTEN = """
DO $$
DECLARE
    r record;
    written text;
    has_rows boolean;
BEGIN
    FOR r IN SELECT c.oid::regclass AS rel
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'alembic_version'
    LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', r.rel) INTO has_rows;
        IF has_rows THEN
            written := concat_ws(', ', written, r.rel::text);
        END IF;
    END LOOP;
    IF written IS NOT NULL THEN
        EXECUTE 'TRUNCATE ' || written || ' CASCADE';
    END IF;
END $$
"""


async def empty_tables(engine: AsyncEngine) -> None:
    """Empty every table but Alembic's, then put back the rows the migrations made."""
    async with engine.begin() as conn:
        await conn.execute(text("SET session_replication_role = replica"))  # skip user triggers
        await conn.execute(text(_TRUNCATE_WRITTEN))
        await conn.execute(text("SET session_replication_role = DEFAULT"))
        await restore_reference_rows(conn)


async def restore_reference_rows(conn: AsyncConnection) -> None:
    """Rows the migrations create and the app relies on: the ledger's system accounts."""
    for (kind, currency), account_id in SYSTEM_ACCOUNTS.items():
        await conn.execute(
            text(
                "INSERT INTO ledger_account (id, kind, currency, balance, created_at) "
                "VALUES (:id, :kind, :currency, 0, now())"
            ),
            {"id": account_id, "kind": kind.value, "currency": currency.value},
        )
