"""`investquest jobs`: the periodic jobs, their latest runs, and running one now."""

from collections.abc import Sequence

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli.runtime import run_with_db, settings_or_exit
from api.jobs import JobContext
from api.scheduler.history import latest_runs
from api.scheduler.jobs import PeriodicJob
from api.scheduler.models import JobRun
from api.scheduler.registry import all_jobs, find_job
from api.scheduler.runner import run_firing
from core.clock import SystemClock


@click.group()
def jobs() -> None:
    """Periodic jobs."""


@jobs.command("list")
@click.option(
    "--runs",
    type=click.IntRange(0, 100),
    default=3,
    show_default=True,
    help="How many of each job's latest runs to show.",
)
def list_jobs(runs: int) -> None:
    """Every periodic job with its schedule and its latest runs (from any replica): when,
    the outcome, and the summary or the error."""
    settings = settings_or_exit()
    periodic = all_jobs(settings)

    async def read(
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> list[tuple[PeriodicJob, Sequence[JobRun]]]:
        async with sessionmaker() as db:
            return [(job, await latest_runs(db, job.name, limit=runs)) for job in periodic]

    for job, history in run_with_db(read, settings=settings):
        click.echo(f"{job.name:<32} {job.schedule.describe():<28} {job.description}")
        for run in history:
            click.echo(f"  {_run_line(run)}")
        if runs and not history:
            click.echo("  never run")


@jobs.command("run")
@click.argument("name")
def run(name: str) -> None:
    """Run job NAME now, once, whatever its schedule, and print the outcome."""
    settings = settings_or_exit()
    job = find_job(settings, name)
    if job is None:
        raise click.ClickException(f"no job named {name!r}; see `investquest jobs list`")

    async def run_now(sessionmaker: async_sessionmaker[AsyncSession]) -> JobRun | None:
        clock = SystemClock()
        ctx = JobContext(sessionmaker=sessionmaker, clock=clock, settings=settings)
        return await run_firing(ctx, job, clock.now())

    result = run_with_db(run_now, settings=settings)
    if result is None:
        raise click.ClickException(f"{name}: this firing was already claimed; try again")
    if result.status != "succeeded":
        raise click.ClickException(f"{name} failed: {result.error}")
    click.echo(f"{name} succeeded: {result.summary}")


def _run_line(run: JobRun) -> str:
    when = f"{run.started_at:%Y-%m-%d %H:%M:%S UTC}"
    if run.status == "succeeded":
        return f"{when}  succeeded  {run.summary or ''}".rstrip()
    if run.status == "failed":
        return f"{when}  failed     {run.error or ''}".rstrip()
    return f"{when}  running"
