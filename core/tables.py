"""Table metadata with one constraint naming convention, and the column types every domain uses."""

from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Set once, before any table is defined: every module that defines tables imports this one.
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata = SQLModel.metadata


def id_field() -> Any:
    """A time-ordered UUID primary key, generated in Python so callers know it before flush."""
    return Field(default_factory=new_id, primary_key=True)


def utc_timestamp(*, nullable: bool = False, index: bool = False) -> Any:
    """A `timestamptz` column; values are always timezone-aware."""
    return Field(sa_type=sa.DateTime(timezone=True), nullable=nullable, index=index)


def created_at_field() -> Any:
    return Field(
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now()},
        nullable=False,
    )


__all__ = ["NAMING_CONVENTION", "created_at_field", "id_field", "metadata", "utc_timestamp"]
