"""Earning, spending oldest lots first, expiry, refunds, reversals and replays."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.ledger.errors import AlreadyReversed, InsufficientPoints, NotReversible
from gamification.ledger.expiry import expire_overdue_points
from gamification.ledger.models import Currency, TransactionKind
from gamification.ledger.operations import credit, earn, reverse, spend
from gamification.ledger.queries import balances, history
from gamification.ledger.reconcile import check_ledger
from tests.factories import UserFactory


async def test_earning_twice_with_one_key_credits_once(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    first = await earn(
        db,
        user_id=user.id,
        points=20,
        xp=10,
        key="lesson:a",
        reference="lesson",
        reason={},
        now=clock.now(),
    )
    again = await earn(
        db,
        user_id=user.id,
        points=20,
        xp=10,
        key="lesson:a",
        reference="lesson",
        reason={},
        now=clock.now(),
    )
    assert (first.posted, again.posted) == (True, False)
    assert first.balances == {"points": 20, "xp": 10}
    wallet = await balances(db, user.id, now=clock.now())
    assert (wallet.points, wallet.xp) == (20, 10)
    assert await check_ledger(db) == []


async def test_spending_takes_the_soonest_expiring_lots_first(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    await earn(
        db,
        user_id=user.id,
        points=30,
        xp=0,
        key="old",
        reference="r",
        reason={},
        now=clock.now(),
        lot_days=10,
    )
    await earn(
        db,
        user_id=user.id,
        points=30,
        xp=0,
        key="new",
        reference="r",
        reason={},
        now=clock.now(),
        lot_days=100,
    )
    await spend(
        db,
        user_id=user.id,
        points=40,
        kind=TransactionKind.SPEND,
        key="buy",
        reference="r",
        reason={},
        now=clock.now(),
    )
    remaining = (await db.execute(sa.text(
        "SELECT l.remaining FROM ledger_lot l JOIN ledger_account a ON a.id = l.account_id "
        "WHERE a.user_id = :u ORDER BY l.expires_at"), {"u": user.id})).scalars().all()  # fmt: skip
    assert remaining == [0, 20]
    clock.advance(timedelta(days=11))
    # The first lot is used up, so nothing expires from it; the second is still live.
    wallet = await balances(db, user.id, now=clock.now())
    assert wallet.points == 20
    assert await check_ledger(db) == []


async def test_a_debit_larger_than_the_balance_is_refused(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    await earn(
        db, user_id=user.id, points=10, xp=0, key="e", reference="r", reason={}, now=clock.now()
    )
    with pytest.raises(InsufficientPoints):
        async with db.begin_nested():
            await spend(
                db,
                user_id=user.id,
                points=11,
                kind=TransactionKind.SPEND,
                key="s",
                reference="r",
                reason={},
                now=clock.now(),
            )
    assert (await balances(db, user.id, now=clock.now())).points == 10


async def test_overdue_points_cannot_be_spent_even_before_the_expiry_job(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    await earn(
        db,
        user_id=user.id,
        points=10,
        xp=0,
        key="e",
        reference="r",
        reason={},
        now=clock.now(),
        lot_days=1,
    )
    clock.advance(timedelta(days=1))
    assert (await balances(db, user.id, now=clock.now())).points == 0
    with pytest.raises(InsufficientPoints):
        async with db.begin_nested():
            await spend(
                db,
                user_id=user.id,
                points=1,
                kind=TransactionKind.SPEND,
                key="s",
                reference="r",
                reason={},
                now=clock.now(),
            )


async def test_expiry_runs_once_and_moves_points_to_the_expiry_account(
    sessionmaker: async_sessionmaker[AsyncSession],
    db: AsyncSession,
    user_factory: UserFactory,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    async with sessionmaker.begin() as setup:
        await earn(
            setup,
            user_id=user.id,
            points=25,
            xp=0,
            key="e",
            reference="r",
            reason={},
            now=clock.now(),
            lot_days=30,
        )
        await spend(
            setup,
            user_id=user.id,
            points=5,
            kind=TransactionKind.SPEND,
            key="s",
            reference="r",
            reason={},
            now=clock.now(),
        )
    clock.advance(timedelta(days=29))
    wallet = await balances(db, user.id, now=clock.now())
    assert [points for points, _ in wallet.expiring] == [20]
    clock.advance(timedelta(days=1))
    assert await expire_overdue_points(sessionmaker, now=clock.now()) == (1, 20)
    assert await expire_overdue_points(sessionmaker, now=clock.now()) == (0, 0)
    entries = await history(db, user.id, currency=Currency.POINTS, before_seq=None, limit=10)
    assert [(e.kind, e.amount, e.balance_after) for e in entries] == [
        ("expire", -20, 0),
        ("spend", -5, 20),
        ("earn", 25, 25),
    ]
    assert await check_ledger(db) == []


async def test_a_reversal_happens_once_and_expiry_is_final(
    sessionmaker: async_sessionmaker[AsyncSession],
    db: AsyncSession,
    user_factory: UserFactory,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    earned = await earn(
        db, user_id=user.id, points=40, xp=5, key="e", reference="r", reason={}, now=clock.now()
    )
    spent = await spend(
        db,
        user_id=user.id,
        points=15,
        kind=TransactionKind.SPEND,
        key="s",
        reference="r",
        reason={},
        now=clock.now(),
    )
    assert spent.transaction_id is not None
    assert earned.transaction_id is not None
    undone = await reverse(db, spent.transaction_id, reason={"code": "test"}, now=clock.now())
    assert undone.balances == {"points": 40}
    with pytest.raises(AlreadyReversed):
        async with db.begin_nested():
            await reverse(db, spent.transaction_id, reason={}, now=clock.now())
    taken_back = await reverse(db, earned.transaction_id, reason={}, now=clock.now())
    assert taken_back.balances == {"points": 0, "xp": 0}
    assert await check_ledger(db) == []
    await credit(
        db,
        user_id=user.id,
        points=3,
        kind=TransactionKind.REFUND,
        key="c",
        reference="r",
        reason={},
        now=clock.now(),
        lot_days=1,
    )
    await db.flush()
    clock.advance(timedelta(days=2))
    await db.commit()  # a savepoint release: the expiry job reads through its own sessions
    await expire_overdue_points(sessionmaker, now=clock.now())
    expire_tx = await db.scalar(sa.text("SELECT id FROM ledger_transaction WHERE kind = 'expire'"))
    with pytest.raises(NotReversible):
        await reverse(db, expire_tx, reason={}, now=clock.now())
