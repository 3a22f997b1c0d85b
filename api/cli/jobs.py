import asyncio

import click

from api.cli.runtime import database_url, open_database, settings_or_exit
from api.jobs import JobContext
from api.scheduler.registry import all_jobs, find_job
from api.scheduler.runner import run_firing
from core.clock import SystemClock


@click.group()
def jobs() -> None:
    """Periodic jobs."""


@jobs.command("list")
def list_jobs() -> None:
    """List every periodic job and its schedule."""
    for job in all_jobs(settings_or_exit()):
        click.echo(f"{job.name:<32} {job.schedule.describe():<28} {job.description}")


@jobs.command("run")
@click.argument("name")
def run(name: str) -> None:
    """Run job NAME now, once, whatever its schedule."""
    settings = settings_or_exit()
    job = find_job(settings, name)
    if job is None:
        raise click.ClickException(f"no job named {name!r}; see `investquest jobs list`")
    url = database_url(settings)

    async def run_now() -> None:
        async with open_database(settings, url) as (_, sessionmaker):
            clock = SystemClock()
            ctx = JobContext(sessionmaker=sessionmaker, clock=clock, settings=settings)
            result = await run_firing(ctx, job, clock.now())
        if result is None or result.status != "succeeded":
            error = result.error if result else "already claimed"
            raise click.ClickException(f"{name} failed: {error}")
        click.echo(f"{name}: {result.summary}")

    asyncio.run(run_now())
