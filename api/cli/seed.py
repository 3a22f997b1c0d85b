import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli.runtime import run_with_db
from api.seed import load_seed
from gamification.engagement.catalogue import CatalogueError


@click.group()
def seed() -> None:
    """Seed content."""


@seed.command("load")
def load() -> None:
    """Load everything under seed/ (safe to run again: unchanged content is left as it is)."""

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
        return await load_seed(sessionmaker)

    try:
        report = run_with_db(run, migrate=True)
    except CatalogueError as exc:  # every problem of the engagement files, nothing loaded
        raise click.ClickException("\n".join(["the seed was not loaded:", *exc.problems])) from None
    for line in report:
        click.echo(line)
