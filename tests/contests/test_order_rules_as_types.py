"""Migration 0055: an order's one-column rules, and an activity event's kind, are their
columns' types (domains), and still refuse what the table CHECKs they replace refused, under
the same names."""

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
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
    assert refused.value.orig is not None
    assert getattr(refused.value.orig, "sqlstate", None) == "23514"  # check_violation


async def test_an_activity_event_of_an_unknown_kind_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], learner: TestUser
) -> None:
    with pytest.raises(IntegrityError, match="ck_activity_event_kind"):
        async with sessionmaker.begin() as db:
            await db.execute(
                sa.text(
                    "INSERT INTO activity_event (occurred_at, user_id, kind)"
                    " VALUES (now(), :u, 'order_cancelled')"
                ),
                {"u": learner.id},
            )


async def test_the_rules_are_types_not_table_checks(db: AsyncSession) -> None:
    table_checks = set(
        await db.scalars(
            sa.text(
                "SELECT conname FROM pg_constraint WHERE contype = 'c'"
                " AND conrelid IN ('contest_order'::regclass, 'activity_event'::regclass)"
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
