"""Alembic environment: async engine, one transaction for the whole upgrade (but for autocommit
blocks), under a lock."""

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from api.migrations import MIGRATION_LOCK_KEY
from api.tables import metadata

config = context.config


def run_migrations_offline() -> None:
    context.configure(
        url=config.attributes["database_url"],
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _partitions(connection: Connection) -> set[str]:
    """Partitions of partitioned tables (activity_event's months): the models describe only the
    parent, so comparing the schema with them must not see each partition as a stray table."""
    names = set(
        connection.execute(
            text("SELECT relname FROM pg_class WHERE relispartition AND relkind IN ('r', 'p')")
        ).scalars()
    )
    connection.rollback()  # end the read's implicit transaction: the migrations open their own
    return names


def do_run_migrations(connection: Connection) -> None:
    partitions = _partitions(connection)
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        transaction_per_migration=False,
        include_name=lambda name, type_, _parents: type_ != "table" or name not in partitions,
    )
    # Held by the session, not by the transaction, so a migration that commits part of its work
    # early (an index built CONCURRENTLY, in an autocommit block) still runs under it; released
    # when the migrations end, or with the session if the process dies.
    lock = {"key": MIGRATION_LOCK_KEY}
    connection.execute(text("SELECT pg_advisory_lock(:key)"), lock)
    connection.commit()
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), lock)
        connection.commit()


async def run_async_migrations() -> None:
    engine = create_async_engine(config.attributes["database_url"], poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
