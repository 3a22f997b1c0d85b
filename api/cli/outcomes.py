from datetime import datetime

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli.runtime import run_with_db, settings_or_exit
from api.outcomes.rollup_job import summary
from core.clock import SystemClock
from gamification.outcomes.rollup import roll_up


@click.group()
def outcomes() -> None:
    """The outcomes measures' rollup tables."""


@outcomes.command("rebuild")
@click.option(
    "--since",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The first day to recompute (its whole month is), YYYY-MM-DD.",
)
def rebuild(since: datetime) -> None:
    """Recompute the measures' rollup tables from the events, from SINCE's month to now (after
    late or corrected events; the daily job recomputes only from its watermark)."""
    settings = settings_or_exit()

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
        done = await roll_up(
            sessionmaker, now=SystemClock().now(), zone=settings.timezone, since=since.date()
        )
        return summary(done)

    click.echo(run_with_db(run, settings=settings))
