"""`investquest users`: create accounts, list them, and set their roles (audited)."""

import sys
from collections.abc import Sequence

import click
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.accounts.caller import Role
from api.accounts.models import UserAccount
from api.accounts.roles import RoleChange, live_user_id, set_user_roles
from api.accounts.sessions import create_account
from api.cli.runtime import record_cli_audit, run_with_db, settings_or_exit
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

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> UserAccount:
        async with sessionmaker.begin() as db:
            clock = SystemClock()
            account = await create_account(
                db,
                settings,
                email=email,
                password=password,
                display_name=name or email.partition("@")[0],
                roles=sorted({"learner", *roles}),
                now=clock.now(),
            )
            await record_cli_audit(
                db,
                clock,
                action="user.create",
                object_type="user",
                object_id=str(account.id),
                summary={"roles": account.roles},
            )
        return account

    account = run_with_db(run, settings=settings, migrate=True)
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

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> RoleChange:
        async with sessionmaker.begin() as db:
            clock = SystemClock()
            user_id = await live_user_id(db, email)
            change = await set_user_roles(db, user_id, roles)
            await record_cli_audit(
                db,
                clock,
                action="user.roles.set",
                object_type="user",
                object_id=str(user_id),
                summary={"before": change.before, "after": change.after},
            )
        return change

    change = run_with_db(run, migrate=True)
    click.echo(f"user {change.user_id} <{email}> roles={','.join(change.after)}")


@users.command("list")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=None,
    help="Only users holding this role.",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=50,
    show_default=True,
    help="At most this many, newest first.",
)
def list_users(role: str | None, limit: int) -> None:
    """Live accounts, newest first: email, display name, roles and when they were created."""

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> Sequence[UserAccount]:
        query = sa.select(UserAccount).where(col(UserAccount.deleted_at).is_(None))
        if role is not None:
            query = query.where(sa.literal(role) == sa.any_(col(UserAccount.roles)))
        query = query.order_by(col(UserAccount.created_at).desc(), col(UserAccount.id).desc())
        async with sessionmaker() as db:
            return (await db.scalars(query.limit(limit))).all()

    accounts = run_with_db(run)
    click.echo(f"{'email':<40} {'display name':<24} {'roles':<32} created")
    for account in accounts:
        click.echo(
            f"{account.email or '':<40} {account.display_name or '':<24} "
            f"{','.join(sorted(account.roles)):<32} {account.created_at:%Y-%m-%d %H:%M UTC}"
        )
    if not accounts:
        click.echo("(no users)")
