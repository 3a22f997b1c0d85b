"""Waiting in tests for something another task or process makes true."""

import asyncio
import time
from collections.abc import Awaitable, Callable

POLL_SECONDS = 0.01


async def eventually(condition: Callable[[], bool | Awaitable[bool]], *, within: float) -> float:
    """Seconds until `condition` holds; an AssertionError after `within`."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        result = condition()
        if result if isinstance(result, bool) else await result:
            return time.monotonic() - started
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"not within {within} s")
