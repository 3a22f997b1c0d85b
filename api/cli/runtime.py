"""What every command needs: valid settings, logging, and a database (embedded if none is set)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.database import create_engine, create_sessionmaker
from api.embedded_postgres import start_embedded_postgres
from api.logs import configure_logging
from api.settings import Settings, SettingsError, load_settings


def settings_or_exit() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    configure_logging(settings.log_level, console=settings.console_logs)
    return settings


def database_url(settings: Settings) -> str:
    """DATABASE_URL when set; otherwise start (or join) the embedded PostgreSQL."""
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(settings.data_dir)


@asynccontextmanager
async def open_database(
    settings: Settings, url: str
) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
    engine = create_engine(url, settings)
    try:
        yield engine, create_sessionmaker(engine)
    finally:
        await engine.dispose()
