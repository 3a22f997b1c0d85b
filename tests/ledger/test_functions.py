"""The ledger's database functions (migration 0013), called directly in SQL: what they write,
what they refuse, and that a refusal leaves nothing behind. Also: each operation is one
statement from the app."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.clock import FrozenClock
from gamification.ledger.accounts import SYSTEM_ACCOUNTS
from gamification.ledger.errors import InsufficientPoints
from gamification.ledger.models import AccountKind, Currency, TransactionKind
from gamification.ledger.operations import Earn, earn, earn_many, spend
from gamification.ledger.reconcile import check_ledger
from tests.factories import UserFactory
from tests.statements import statements_sent

REDEMPTION = SYSTEM_ACCOUNTS[(AccountKind.REDEMPTION, Currency.POINTS)]

EARN = sa.text(
    "SELECT * FROM ledger_earn(:key, 'earn', 'test', '{}', :user_id, :points, :xp, :now, :days)"
)
SPEND = sa.text(
    "SELECT * FROM ledger_spend(:key, 'spend', 'test', '{}', :user_id, :points, :to, :now)"
)
EARN_MANY = sa.text(
    "SELECT * FROM ledger_earn_many('earn', :now, :keys, :refs, "
    "CAST(:reasons AS jsonb[]), :users, :points, :xp, :days)"
)


async def sql_earn(
    db: AsyncSession,
    user_id: uuid.UUID,
    points: int,
    *,
    now: datetime,
    key: str | None = None,
    xp: int = 0,
    days: int = 365,
) -> list[Any]:
    params = {"key": key or f"k:{uuid.uuid4()}", "user_id": user_id, "points": points, "xp": xp}
    return list((await db.execute(EARN, params | {"now": now, "days": days})).all())


async def sql_spend(
    db: AsyncSession, user_id: uuid.UUID, points: int, *, now: datetime, key: str = "s"
) -> Any:
    params = {"key": key, "user_id": user_id, "points": points, "to": REDEMPTION, "now": now}
    return (await db.execute(SPEND, params)).one()


async def lots_of(db: AsyncSession, user_id: uuid.UUID) -> list[tuple[int, int, datetime]]:
    """(amount, remaining, expires_at) of the user's points lots, soonest expiry first."""
    rows = await db.execute(
        sa.text(
            "SELECT l.amount, l.remaining, l.expires_at FROM ledger_lot l "
            "JOIN ledger_account a ON a.id = l.account_id "
            "WHERE a.user_id = :user_id ORDER BY l.expires_at"
        ),
        {"user_id": user_id},
    )
    return [(amount, remaining, expires_at) for amount, remaining, expires_at in rows]


async def count(db: AsyncSession, table: str) -> int:
    return int(await db.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)


async def test_earn_opens_both_accounts_and_a_lot_of_whole_days(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    (row,) = await sql_earn(db, user.id, 20, xp=7, now=clock.now(), days=30)
    assert (row.points_balance, row.xp_balance) == (20, 7)
    assert await lots_of(db, user.id) == [(20, 20, clock.now() + timedelta(days=30))]
    (again,) = await sql_earn(db, user.id, 5, now=clock.now())
    assert (again.points_balance, again.xp_balance) == (25, None)
    assert await check_ledger(db) == []


async def test_earn_replayed_or_empty_posts_nothing(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    assert len(await sql_earn(db, user.id, 10, key="once", now=clock.now())) == 1
    assert await sql_earn(db, user.id, 10, key="once", now=clock.now()) == []
    assert await sql_earn(db, user.id, 0, key="empty", now=clock.now()) == []
    assert await count(db, "ledger_transaction") == 1


async def test_negative_earn_is_refused_by_the_function(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    with pytest.raises(DBAPIError, match="never negative"):
        async with db.begin_nested():
            await sql_earn(db, user.id, -5, now=clock.now())


async def test_spend_of_the_exact_balance_takes_the_soonest_lots_first(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    now = clock.now()
    await sql_earn(db, user.id, 30, now=now, days=200)
    await sql_earn(db, user.id, 20, now=now, days=100)
    row = await sql_spend(db, user.id, 35, now=now)
    assert (row.outcome, row.points_balance) == ("posted", 15)
    assert [(a, r) for a, r, _ in await lots_of(db, user.id)] == [(20, 0), (30, 15)]
    last = await sql_spend(db, user.id, 15, now=now, key="s2")
    assert (last.outcome, last.points_balance) == ("posted", 0)
    assert await check_ledger(db) == []


async def test_spend_never_takes_expired_lots_and_then_writes_nothing(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    now = clock.now()
    await sql_earn(db, user.id, 40, now=now - timedelta(days=10), days=5)  # expired, not yet run
    await sql_earn(db, user.id, 10, now=now)
    row = await sql_spend(db, user.id, 20, now=now, key="too-much")
    assert (row.outcome, row.transaction_id, row.points_balance) == (
        "insufficient-points",
        None,
        None,
    )
    assert [(a, r) for a, r, _ in await lots_of(db, user.id)] == [(40, 40), (10, 10)]
    assert (
        await db.scalar(
            sa.text("SELECT count(*) FROM ledger_transaction WHERE idempotency_key = 'too-much'")
        )
        == 0
    )
    # The refusal left the transaction usable, and the same key can still post.
    assert (await sql_spend(db, user.id, 10, now=now, key="too-much")).outcome == "posted"
    assert await check_ledger(db) == []


async def test_spend_replayed_is_already_posted_and_without_account_is_refused(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user, stranger = await user_factory(), await user_factory()
    await sql_earn(db, user.id, 10, now=clock.now())
    assert (await sql_spend(db, user.id, 4, now=clock.now(), key="k")).outcome == "posted"
    replay = await sql_spend(db, user.id, 4, now=clock.now(), key="k")
    assert (replay.outcome, replay.transaction_id) == ("already-posted", None)
    alone = await sql_spend(db, stranger.id, 1, now=clock.now(), key="k2")
    assert alone.outcome == "insufficient-points"


async def test_earn_many_posts_each_new_key_once_in_the_order_given(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user, other = await user_factory(), await user_factory()
    await sql_earn(db, user.id, 5, key="used", now=clock.now())
    params = {
        "now": clock.now(),
        "keys": ["a", "used", "b", "a", "c", "d"],
        "refs": ["r"] * 6,
        "reasons": ["{}"] * 6,
        "users": [user.id, user.id, user.id, other.id, other.id, user.id],
        "points": [10, 10, 0, 3, 4, 1],
        "xp": [0, 0, 2, 0, 1, 0],
        "days": [365] * 6,
    }
    rows = (await db.execute(EARN_MANY, params)).all()
    # Each balance as it was just after that earn: the user's points move twice, in order.
    assert [(r.item, r.points_balance, r.xp_balance) for r in rows] == [
        (1, 15, None),
        (3, None, 2),
        (5, 4, 1),
        (6, 16, None),
    ]
    assert await check_ledger(db) == []


async def test_uuid_v7_is_time_ordered_like_core_ids(db: AsyncSession) -> None:
    first, second = (await db.execute(sa.text("SELECT uuid_v7(), uuid_v7()"))).one()
    assert (first.version, first.variant) == (7, uuid.RFC_4122)
    now_ms = int(datetime.now().timestamp() * 1000)
    assert abs((first.int >> 80) - now_ms) < 60_000
    assert first.int >> 80 <= second.int >> 80


async def test_each_operation_is_one_statement(
    engine: AsyncEngine, db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user, other = await user_factory(), await user_factory()
    common: dict[str, Any] = {"reference": "r", "reason": {}, "now": clock.now()}
    await db.execute(sa.text("SELECT 1"))  # the session's own transaction is open already
    with statements_sent(engine) as sent:
        await earn(db, user_id=user.id, points=50, xp=5, key="e", **common)
        await spend(db, user_id=user.id, points=20, kind=TransactionKind.SPEND, key="s", **common)
        earns = [Earn(u, 10, 1, f"m:{u}", "r", {}) for u in sorted([user.id, other.id])]
        await earn_many(db, earns, now=clock.now())
    assert [statement.split("(")[0] for statement in sent] == [
        "SELECT transaction_id, points_balance, xp_balance FROM ledger_earn",
        "SELECT outcome, transaction_id, points_balance FROM ledger_spend",
        "SELECT item, transaction_id, points_balance, xp_balance FROM ledger_earn_many",
    ]


async def test_a_refused_spend_leaves_the_key_unused(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    common: dict[str, Any] = {"reference": "r", "reason": {}, "now": clock.now()}
    await earn(db, user_id=user.id, points=10, xp=0, key="e", **common)
    with pytest.raises(InsufficientPoints):
        await spend(db, user_id=user.id, points=11, kind=TransactionKind.SPEND, key="s", **common)
    again = await spend(
        db, user_id=user.id, points=10, kind=TransactionKind.SPEND, key="s", **common
    )
    assert again.posted
    assert again.balances == {"points": 0}
