import uuid
from datetime import date, datetime

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli.runtime import run_with_db, settings_or_exit
from core.clock import SystemClock
from core.days import local_day
from gamification.badges.history import counters_from_records
from gamification.badges.service import backfill_chunk

CHUNK = 1000  # learners per transaction


@click.group()
def badges() -> None:
    """The badge catalogue."""


@badges.command("backfill")
def backfill() -> None:
    """Award the catalogue's badges to every learner whose counters meet them (run after a
    catalogue change; again changes nothing). Counters are first raised to what the lessons,
    courses, streaks, vouchers and contest report cards already record."""

    settings = settings_or_exit()

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
        now = SystemClock().now()
        async with sessionmaker.begin() as db:
            rows = await counters_from_records(db)
        today = local_day(now, None, settings.business_timezone)
        learners, awarded = await _award_in_chunks(sessionmaker, today=today, now=now)
        return (
            f"{rows} counters brought up to the records; "
            f"{awarded} badges awarded over {learners} learners"
        )

    click.echo(run_with_db(run, settings=settings, migrate=True))


async def _award_in_chunks(
    sessionmaker: async_sessionmaker[AsyncSession], *, today: date, now: datetime
) -> tuple[int, int]:
    after, learners, awarded = uuid.UUID(int=0), 0, 0
    while True:
        async with sessionmaker.begin() as db:
            chunk = await backfill_chunk(db, after=after, size=CHUNK, today=today, now=now)
        if chunk.last is None:
            return learners, awarded
        after, learners, awarded = chunk.last, learners + chunk.learners, awarded + chunk.awarded
