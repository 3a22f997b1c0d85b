"""What every command needs: valid settings, logging, and a database (embedded if none is set)."""

import asyncio
import contextlib
import getpass
import os
import secrets
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import click
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.database import create_engine, create_sessionmaker
from api.embedded_postgres import start_embedded_postgres
from api.logs import configure_logging
from api.settings import DEVELOPMENT_SECRET_KEY, Settings, SettingsError, load_settings
from core.errors import DomainError

T = TypeVar("T")


def settings_or_exit() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
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
        return settings.database_url
    pgdata = settings.data_dir.resolve() / "pgdata"
    if not create_embedded and not (pgdata / "PG_VERSION").exists():
        raise click.ClickException(
            f"no database in {pgdata}: start the server first (`make run`), run this command "
            "from the folder the server runs in or set INVESTQUEST_DATA_DIR to its data folder, "
            "or set DATABASE_URL"
        )
    click.echo(f"database: embedded PostgreSQL in {pgdata}", err=True)
    return start_embedded_postgres(settings.data_dir)


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


def run_command(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's database work; a refusal (a domain error) is one line on stderr and
    exit code 1, not a traceback."""
    try:
        return asyncio.run(work)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None


def cli_actor() -> str:
    """Who ran a command, as the audit log names them: `cli:<operating-system user>`."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        name = str(os.getuid())
    return f"cli:{name}"
