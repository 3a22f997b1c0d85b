"""Where a bench's time goes: the wall and server CPU time of each statement it runs."""

import os
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


def backend_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of the server process `pid` so far, when the server runs
    on this machine (else 0): unlike wall time, it does not grow with the machine's load."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def statement_times(engine: AsyncEngine) -> Iterator[dict[str, tuple[float, float]]]:
    """(wall seconds, server CPU seconds) spent in each statement executed on `engine` inside
    the block, by the statement's first 60 characters, summed over the connections that ran
    it (each times its own statements, so they may run at once)."""
    spent: dict[str, tuple[float, float]] = defaultdict(lambda: (0.0, 0.0))
    started: dict[int, tuple[float, float]] = {}  # by server process

    def server_pid(conn: Any) -> int:
        return int(conn.connection.dbapi_connection._connection.get_server_pid())

    def before(conn: Any, *args: Any) -> None:
        pid = server_pid(conn)
        started[pid] = (time.perf_counter(), backend_cpu_seconds(pid))

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        pid = server_pid(conn)
        wall, cpu = started.pop(pid)
        key = " ".join(statement.split())[:60]
        spent[key] = (
            spent[key][0] + time.perf_counter() - wall,
            spent[key][1] + backend_cpu_seconds(pid) - cpu,
        )

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        event.remove(engine.sync_engine, "after_cursor_execute", after)


def print_statement_times(spent: dict[str, tuple[float, float]]) -> None:
    """The statements, the slowest first."""
    print("    wall s  server CPU s  statement", flush=True)
    for statement, (wall, cpu) in sorted(spent.items(), key=lambda item: -item[1][0]):
        print(f"    {wall:7.2f} {cpu:13.2f}  {statement}", flush=True)


__all__ = ["backend_cpu_seconds", "print_statement_times", "statement_times"]
