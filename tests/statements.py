"""Counting the statements an operation sends to PostgreSQL, so that the money-moving paths
stay a fixed, small number of round trips (what `make bench` measures the speed of)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from core import driver_reads


@contextmanager
def statements_sent(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL of every statement executed on `engine` inside the block, in order (an
    executemany counts once: asyncpg sends it as one pipelined batch), those sent straight to
    the driver (`core.driver_reads`) included."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(" ".join(statement.split()))

    fetch = driver_reads._fetch

    async def fetch_recorded(driver: Any, invalidate: Any, sql: str, arguments: Any) -> Any:
        sent.append(" ".join(sql.split()))
        return await fetch(driver, invalidate, sql, arguments)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        with mock.patch.object(driver_reads, "_fetch", fetch_recorded):
            yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
