"""Migration 0055: an order's one-column rules are its columns' types (domains), which still
refuse what the table CHECKs they replace refused, under the same names, whether a statement
states the value or binds it, and state the rules the models state."""

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from core.clock import FrozenClock
from core.tables import CheckedType, metadata
from gamification.contests.models import ContestOrder
from tests.contests.trading_helpers import (
    create_contest,
    join,
    learner,
    marketer,
    order,
    place,
    trading_market,
)
from tests.factories import TestUser

__all__ = ["learner", "marketer", "trading_market"]  # fixtures used by name

pytestmark = pytest.mark.usefixtures("trading_market")

# The columns typed with their rule.
TYPED = (
    "side",
    "type",
    "status",
    "quantity",
    "limit_price",
    "commission",
    "stamp_duty",
    "transfer_fee",
)
# (the change to an open limit buy of 100 at 9.90, the rule that refuses it)
REFUSED = (
    ("side = 'hold'", "ck_contest_order_side"),
    ("type = 'stop', limit_price = NULL", "ck_contest_order_type"),
    ("status = 'pending'", "ck_contest_order_status"),
    ("quantity = 0", "ck_contest_order_quantity"),
    ("quantity = 1000000001", "ck_contest_order_quantity"),
    ("limit_price = 0", "ck_contest_order_limit_price_positive"),
    ("commission = -0.01", "ck_contest_order_fees_not_negative"),
    ("stamp_duty = -0.01", "ck_contest_order_fees_not_negative"),
    ("transfer_fee = -0.01", "ck_contest_order_fees_not_negative"),
)


@pytest.mark.parametrize(("change", "rule"), REFUSED)
async def test_an_order_breaking_a_one_column_rule_is_refused_by_its_name(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    sessionmaker: async_sessionmaker[AsyncSession],
    change: str,
    rule: str,
) -> None:
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    bid = await place(client, contest_id, learner, order("buy", 100, limit_price="9.90"))
    with pytest.raises(IntegrityError, match=rule) as refused:
        async with sessionmaker.begin() as db:
            await db.execute(
                sa.text(f"UPDATE contest_order SET {change} WHERE id = :o"), {"o": bid["id"]}
            )
    assert getattr(refused.value.orig, "sqlstate", None) == "23514"  # check_violation


async def test_a_bound_value_is_checked_by_its_type(
    client: AsyncClient,
    clock: FrozenClock,
    marketer: TestUser,
    learner: TestUser,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """As the ORM writes it: the value sent as the underlying type, the domain's check applied
    when PostgreSQL stores it."""
    contest_id = await create_contest(client, marketer, clock.now())
    await join(client, contest_id, learner)
    bid = await place(client, contest_id, learner, order("buy", 100, limit_price="9.90"))
    order_id = uuid.UUID(bid["id"])
    change = sa.update(ContestOrder).where(col(ContestOrder.id) == order_id)
    with pytest.raises(IntegrityError, match="ck_contest_order_status"):
        async with sessionmaker.begin() as db:
            await db.execute(change.values(status="pending"))
    async with sessionmaker.begin() as db:
        await db.execute(change.values(status="cancelled", cash_held=0))
    async with sessionmaker() as db:
        cancelled = await db.get(ContestOrder, order_id)
        assert cancelled is not None
        assert cancelled.status == "cancelled"


@pytest.mark.parametrize(
    "column", [metadata.tables["contest_order"].c[name] for name in TYPED], ids=lambda c: c.name
)
async def test_each_type_states_the_rule_its_model_states(db: AsyncSession, column: Any) -> None:
    """The migration's check and the model's, each as PostgreSQL states it (the model's made a
    temporary domain): a rule changed on one side only fails here."""
    typed: CheckedType = column.type
    base = typed.data_type.compile(dialect=db.get_bind().dialect)
    await db.execute(
        sa.text(
            f"CREATE DOMAIN pg_temp.model_rule AS {base}"
            f" CONSTRAINT {typed.constraint_name} CHECK ({typed.check})"
        )
    )
    stated = await db.execute(
        sa.text(
            "SELECT t.typname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint AS c"
            " JOIN pg_type AS t ON t.oid = c.contypid"
            " WHERE t.typname IN (:domain, 'model_rule') ORDER BY t.typname = 'model_rule'"
        ),
        {"domain": typed.name},
    )
    migrated, model = stated.all()
    assert migrated.typname == typed.name
    assert (migrated.conname, migrated.pg_get_constraintdef) == (
        model.conname,
        model.pg_get_constraintdef,
    )


async def test_the_rules_are_types_not_table_checks(db: AsyncSession) -> None:
    table_checks = set(
        await db.scalars(
            sa.text(
                "SELECT conname FROM pg_constraint WHERE contype = 'c'"
                " AND conrelid = 'contest_order'::regclass"
            )
        )
    )
    assert table_checks == {
        "ck_contest_order_limit_price",
        "ck_contest_order_rejected",
        "ck_contest_order_filled",
        "ck_contest_order_cash_held",
        "ck_contest_order_tick_fill",
    }
