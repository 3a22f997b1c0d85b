"""Running Alembic from code: the config, upgrade under an advisory lock, and head checks."""

import functools
from pathlib import Path
from types import ModuleType

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import asyncpg_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
FILE_TEMPLATE = "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s_%%(rev)s"

# The key of the PostgreSQL advisory lock held while migrating, so replicas starting at once
# upgrade one after the other instead of racing (the later ones find the schema at head).
MIGRATION_LOCK_KEY = 0x1A7E_0001


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("timezone", "UTC")
    config.attributes["database_url"] = asyncpg_url(database_url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


@functools.cache
def head_revision() -> str | None:
    """The newest migration on disk, read once per process (the files do not change under it)."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return script.get_current_head()


def revision_module(revision: str) -> ModuleType:
    """An earlier migration's module, as Alembic loads it: a migration whose downgrade restores a
    function body it replaced reads that text from the revision that wrote it, not from a copy."""
    script = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision)
    if script is None:
        raise LookupError(f"no migration {revision}")
    return script.module


async def current_revision(conn: AsyncConnection) -> str | None:
    migrated = await conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
    if not migrated:
        return None
    result = await conn.execute(text("SELECT version_num FROM alembic_version"))
    return result.scalar_one_or_none()
