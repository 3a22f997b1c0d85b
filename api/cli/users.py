import sys

import click

from api.accounts.caller import Role
from api.accounts.models import UserAccount
from api.accounts.roles import RoleChange, live_user_id, set_user_roles
from api.accounts.sessions import create_account
from api.audit import record_audit
from api.cli.runtime import (
    cli_actor,
    database_url,
    open_database,
    run_command,
    settings_or_exit,
)
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

    account = run_command(run())
    click.echo(f"created user {account.id} <{account.email}> roles={','.join(account.roles)}")


@users.command("roles")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="Repeat for several roles; the user gets exactly these (and learner).",
)
def set_roles(email: str, roles: tuple[str, ...]) -> None:
    """Set an existing user's roles (audited). The last admin keeps the admin role."""
    settings = settings_or_exit()
    url = database_url(settings)
    upgrade(url)

    async def run() -> RoleChange:
        async with open_database(settings, url) as (_, sessionmaker), sessionmaker.begin() as db:
            clock = SystemClock()
            user_id = await live_user_id(db, email)
            change = await set_user_roles(db, user_id, roles)
            await record_audit(
                db,
                clock,
                actor_kind="cli",
                actor_id=None,
                action="user.roles.set",
                object_type="user",
                object_id=str(user_id),
                summary={"actor": cli_actor(), "before": change.before, "after": change.after},
            )
        return change

    change = run_command(run())
    click.echo(f"user {change.user_id} <{email}> roles={','.join(change.after)}")
