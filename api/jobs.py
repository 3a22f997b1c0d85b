"""What a periodic job body is given when it runs; each area's `jobs.py` writes such bodies and
`api.scheduler.registry` lists them, so no area imports the scheduler."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.settings import Settings
from core.clock import Clock


@dataclass(frozen=True)
class JobContext:
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: Settings


# A job opens its own transactions (`async with ctx.sessionmaker.begin() as db:`), one per chunk
# of work for large fan-outs, and returns a one-line summary of what it did.
JobFunction = Callable[[JobContext], Awaitable[str]]
