import asyncio
import sys

import click

from api.accounts.caller import Role
from api.accounts.models import UserAccount
from api.accounts.partners import create_partner, revoke_partner
from api.accounts.sessions import create_account
from api.audit import record_audit
from api.cli.runtime import database_url, open_database, settings_or_exit
from api.migrations import upgrade
from core.clock import SystemClock


def _read_password() -> str:
    """From standard input when it is not a terminal (scripts), else prompted twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([role.value for role in Role]),
    default=["learner"],
    show_default=True,
    help="Repeat for several roles.",
)
@click.option("--name", default=None, help="Display name (default: the email's local part).")
def create_user(email: str, roles: tuple[str, ...], name: str | None) -> None:
    """Create an account; the password is read from standard input or prompted."""
    settings = settings_or_exit()
    password = _read_password()
    url = database_url(settings)
    upgrade(url)

    async def run() -> UserAccount:
        async with open_database(settings, url) as (_, sessionmaker), sessionmaker.begin() as db:
            return await create_account(
                db,
                settings,
                email=email,
                password=password,
                display_name=name or email.partition("@")[0],
                roles=sorted({"learner", *roles}),
                now=SystemClock().now(),
            )

    account = asyncio.run(run())
    click.echo(f"created user {account.id} <{account.email}> roles={','.join(account.roles)}")


@click.group()
def partners() -> None:
    """Broker systems that call the partner API."""


@partners.command("create")
@click.argument("name")
def create(name: str) -> None:
    """Create a partner and print its key (shown once; only its hash is stored)."""
    settings = settings_or_exit()
    url = database_url(settings)
    upgrade(url)

    async def run() -> str:
        async with open_database(settings, url) as (_, sessionmaker), sessionmaker.begin() as db:
            _, key = await create_partner(db, SystemClock(), name=name)
        return key

    key = asyncio.run(run())
    click.echo(f"partner {name} created. Its key, shown only this once:\n{key}")


@partners.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke a partner's key (create a new partner to rotate it)."""
    settings = settings_or_exit()
    url = database_url(settings)

    async def run() -> bool:
        async with open_database(settings, url) as (_, sessionmaker), sessionmaker.begin() as db:
            clock = SystemClock()
            revoked = await revoke_partner(db, clock, name=name)
            if revoked:
                await record_audit(
                    db,
                    clock,
                    actor_kind="operator",
                    actor_id=None,
                    action="partner.revoke",
                    object_type="partner",
                    object_id=name,
                )
        return revoked

    if not asyncio.run(run()):
        raise click.ClickException(f"no partner named {name!r} with a live key")
    click.echo(f"partner {name}'s key is revoked")
