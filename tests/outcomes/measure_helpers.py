"""Exact fixtures for the measures: activity events written straight into `activity_event`
(the domains' triggers are tested on their own), and the rollup run as the job runs it."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.outcomes.rollup import RollupRun, roll_up

SHANGHAI = ZoneInfo("Asia/Shanghai")
Event = tuple[uuid.UUID, str, str | None, datetime]


def at(day: str, hour: int = 12) -> datetime:
    """Noon (or `hour`) of a day in Shanghai."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


async def add_events(
    sessionmaker: async_sessionmaker[AsyncSession], events: Sequence[Event]
) -> None:
    async with sessionmaker.begin() as db:
        await db.execute(
            sa.text(
                "INSERT INTO activity_event (user_id, kind, detail, occurred_at)"
                " VALUES (:user_id, :kind, :detail, :at)"
            ),
            [{"user_id": u, "kind": k, "detail": d, "at": t} for u, k, d, t in events],
        )


async def clear_events(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Forget the events the domains wrote while the fixture was built (sign-ups), so a test
    counts exactly its own."""
    async with sessionmaker.begin() as db:
        await db.execute(sa.text("DELETE FROM activity_event"))


async def rolled_up(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, **options: object
) -> RollupRun:
    return await roll_up(sessionmaker, now=clock.now(), zone=SHANGHAI, **options)  # type: ignore[arg-type]


async def set_account_opened(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID, when: datetime
) -> None:
    async with sessionmaker.begin() as db:
        await db.execute(
            sa.text("UPDATE user_account SET broker_account_opened_at = :at WHERE id = :id"),
            {"at": when, "id": user_id},
        )


async def set_created(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID, when: datetime
) -> None:
    async with sessionmaker.begin() as db:
        await db.execute(
            sa.text("UPDATE user_account SET created_at = :at WHERE id = :id"),
            {"at": when, "id": user_id},
        )
