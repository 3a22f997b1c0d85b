"""What every command needs: valid settings, logging, and a database (embedded if none is set)."""

import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import click
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.database import create_engine, create_sessionmaker
from api.embedded_postgres import start_embedded_postgres
from api.logs import configure_logging
from api.settings import DEVELOPMENT_SECRET_KEY, Settings, SettingsError, load_settings


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


def database_url(settings: Settings) -> str:
    """DATABASE_URL when set; otherwise start (or join) the embedded PostgreSQL."""
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(settings.data_dir)


@asynccontextmanager
async def open_database(
    settings: Settings, url: str, *, serves_requests: bool = False
) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
    engine = create_engine(url, settings, serves_requests=serves_requests)
    try:
        yield engine, create_sessionmaker(engine)
    finally:
        await engine.dispose()
