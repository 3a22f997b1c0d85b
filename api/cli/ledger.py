import asyncio

import click

from api.cli.runtime import database_url, open_database, settings_or_exit
from gamification.ledger.reconcile import check_ledger


@click.group()
def ledger() -> None:
    """The points ledger."""


@ledger.command("check")
def check() -> None:
    """Reconcile the ledger; exit non-zero on any break."""
    settings = settings_or_exit()
    url = database_url(settings)

    async def run() -> list[str]:
        async with open_database(settings, url) as (_, sessionmaker), sessionmaker() as db:
            return await check_ledger(db)

    breaks = asyncio.run(run())
    for line in breaks:
        click.echo(line, err=True)
    if breaks:
        raise click.ClickException(f"{len(breaks)} breaks in the ledger")
    click.echo("the books balance: every check passed")
