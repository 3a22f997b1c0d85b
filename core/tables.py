"""Table metadata with one constraint naming convention, and the column types every domain uses."""

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import DOMAIN
from sqlalchemy.sql.operators import OperatorClass
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


class CheckedType(DOMAIN):
    """A column type that carries a rule of its column: a PostgreSQL domain, which its
    migration creates. Values are sent as the underlying type (PostgreSQL applies the domain's
    check when it stores them, and the driver needs no look-up of the domain); compared and
    combined as the underlying type (SQLAlchemy's DOMAIN names no operators of its own)."""

    if not TYPE_CHECKING:

        @property
        def operator_classes(self) -> OperatorClass:
            return self.data_type.operator_classes

    def bind_expression(self, bindvalue: Any) -> Any:
        return sa.cast(bindvalue, self.data_type)

    def coerce_compared_value(self, op: Any, value: Any) -> Any:
        """A value compared with the column is bound as the underlying type, as before."""
        return self.data_type.coerce_compared_value(op, value)


def checked_type(name: str, data_type: Any, *, check: str, constraint_name: str) -> CheckedType:
    """A column type with its rule (`check`, on VALUE). PostgreSQL plans a domain's check once
    per connection, a table's CHECK afresh for every statement that writes the table: a hot
    table's one-column rules are cheaper as types."""
    return CheckedType(
        name, data_type, check=check, constraint_name=constraint_name, create_type=False
    )


__all__ = [
    "NAMING_CONVENTION",
    "CheckedType",
    "checked_type",
    "created_at_field",
    "id_field",
    "metadata",
    "utc_timestamp",
]
