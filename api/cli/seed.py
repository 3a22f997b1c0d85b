import asyncio

import click

from api.cli.runtime import database_url, open_database, settings_or_exit
from api.migrations import upgrade
from api.seed import load_seed


@click.group()
def seed() -> None:
    """Seed content."""


@seed.command("load")
def load() -> None:
    """Load everything under seed/ (safe to run again: unchanged content is left as it is)."""
    settings = settings_or_exit()
    url = database_url(settings)
    upgrade(url)

    async def run() -> list[str]:
        async with open_database(settings, url) as (_, sessionmaker):
            return await load_seed(sessionmaker)

    for line in asyncio.run(run()):
        click.echo(line)
