import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli.runtime import run_with_db
from api.seed import load_seed


@click.group()
def seed() -> None:
    """Seed content."""


@seed.command("load")
def load() -> None:
    """Load everything under seed/ (safe to run again: unchanged content is left as it is)."""

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
        return await load_seed(sessionmaker)

    for line in run_with_db(run, migrate=True):
        click.echo(line)
