import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli.runtime import run_with_db
from gamification.ledger.reconcile import check_ledger


@click.group()
def ledger() -> None:
    """The points ledger."""


@ledger.command("check")
def check() -> None:
    """Reconcile the ledger; exit non-zero on any break."""

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
        async with sessionmaker() as db:
            return await check_ledger(db)

    breaks = run_with_db(run)
    for line in breaks:
        click.echo(line, err=True)
    if breaks:
        raise click.ClickException(f"{len(breaks)} breaks in the ledger")
    click.echo("the books balance: every check passed")
