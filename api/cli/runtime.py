"""What every command needs: valid settings, logging, a database (embedded if none is set) it
can reach, and the audit log's name for whoever ran it.

Errors are not handled here: the `investquest` group turns them into one line (api/cli/group.py).
"""

import asyncio
import contextlib
import getpass
import os
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import click
from pydantic import SecretStr
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from api.audit import record_audit
from api.database import asyncpg_url, create_engine, create_sessionmaker, run_in_own_loop
from api.embedded_postgres import start_embedded_postgres
from api.logs import configure_logging
from api.migrations import upgrade
from api.settings import DEVELOPMENT_SECRET_KEY, Settings, load_settings
from core.clock import Clock

T = TypeVar("T")

CONNECT_TIMEOUT_SECONDS = 10


class DatabaseUnreachable(Exception):
    """The command's database refused or did not answer; the message names it, no password."""


def settings_or_exit() -> Settings:
    """The settings (a bad value raises SettingsError, which the group prints), with logging
    configured from them."""
    settings = load_settings()
    configure_logging(settings.log_level, console=settings.console_logs)
    return with_private_development_secret(settings)


def with_private_development_secret(settings: Settings) -> Settings:
    """In development without SECRET_KEY, sign with a random key kept in the data folder
    (created once, readable by its owner only), never with the public placeholder."""
    if settings.secret_key.get_secret_value() != DEVELOPMENT_SECRET_KEY:
        return settings
    path = settings.data_dir / "secret-key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with (
            contextlib.suppress(FileExistsError),  # another process wrote it first
            os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out,
        ):
            out.write(secrets.token_urlsafe(48))
    return settings.model_copy(update={"secret_key": SecretStr(path.read_text().strip())})


def database_url(settings: Settings, *, create_embedded: bool = False) -> str:
    """DATABASE_URL when set; otherwise start (or join) the embedded PostgreSQL in the data
    folder. Only `serve` may create a new embedded database: any other command run from the
    wrong folder would otherwise work, silently, on an empty database no server uses. Says on
    standard error which database the command uses."""
    if settings.database_url:
        click.echo(f"database: {redacted(settings.database_url)}", err=True)
        ensure_reachable(settings.database_url)
        return settings.database_url
    pgdata = settings.data_dir.resolve() / "pgdata"
    if not create_embedded and not (pgdata / "PG_VERSION").exists():
        raise click.ClickException(
            f"no database in {pgdata}: start the server first (`make run`), run this command "
            "from the folder the server runs in or set INVESTQUEST_DATA_DIR to its data folder, "
            "or set DATABASE_URL"
        )
    click.echo(f"database: embedded PostgreSQL in {pgdata}", err=True)
    url = start_embedded_postgres(settings.data_dir)
    ensure_reachable(url)
    return url


def ensure_reachable(url: str) -> None:
    """Connect once, so a wrong host, port, password or database name is one clear error
    before the command starts, not a driver traceback halfway through it."""

    async def connect() -> None:
        engine = create_async_engine(
            asyncpg_url(url),
            poolclass=NullPool,
            connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
        )
        try:
            async with engine.connect():
                pass
        finally:
            await engine.dispose()

    try:
        run_in_own_loop(connect)
    except (OSError, DBAPIError) as exc:
        reason = str(exc.orig) if isinstance(exc, DBAPIError) else (exc.strerror or str(exc))
        raise DatabaseUnreachable(
            f"cannot reach the database {redacted(url)}: {reason or type(exc).__name__}"
        ) from exc


def redacted(url: str) -> str:
    """The URL without its password, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@asynccontextmanager
async def open_database(
    settings: Settings, url: str, *, serves_requests: bool = False
) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
    engine = create_engine(url, settings, serves_requests=serves_requests)
    try:
        yield engine, create_sessionmaker(engine)
    finally:
        await engine.dispose()


def run_with_db(
    work: Callable[[async_sessionmaker[AsyncSession]], Coroutine[Any, Any, T]],
    *,
    settings: Settings | None = None,
    migrate: bool = False,
) -> T:
    """Run a command's database work: the settings (loaded unless given), the database it
    uses (named on standard error), the schema upgraded to head first when `migrate`, then
    `work` with a sessionmaker on an engine disposed of afterwards. A refusal `work` raises
    becomes one line, in the group."""
    settings_used = settings or settings_or_exit()
    url = database_url(settings_used)
    if migrate:
        upgrade(url)

    async def run() -> T:
        async with open_database(settings_used, url) as (_, sessionmaker):
            return await work(sessionmaker)

    return asyncio.run(run())


async def record_cli_audit(
    db: AsyncSession,
    clock: Clock,
    *,
    action: str,
    object_type: str,
    object_id: str,
    summary: dict[str, Any] | None = None,
) -> None:
    """Audit a command's change in its transaction, as done by `cli:<operating-system user>`."""
    await record_audit(
        db,
        clock,
        actor_kind="cli",
        actor_id=None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary={"actor": cli_actor(), **(summary or {})},
    )


def cli_actor() -> str:
    """Who ran a command, as the audit log names them: `cli:<operating-system user>`."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        name = str(os.getuid())
    return f"cli:{name}"
