"""A bulk award: `earn_many` posts like one `earn` per item, in one round of statements."""

import asyncio
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from core.clock import FrozenClock
from gamification.ledger.models import Currency, LedgerEntry, LedgerTransaction, PointsLot
from gamification.ledger.operations import Earn, earn, earn_many
from gamification.ledger.queries import balances, history
from gamification.ledger.reconcile import check_ledger
from tests.factories import UserFactory


def award(user_id: uuid.UUID, key: str, points: int = 10, xp: int = 0, lot_days: int = 365) -> Earn:
    return Earn(user_id, points, xp, key, reference="bulk", reason={}, lot_days=lot_days)


async def test_each_earn_posts_once_with_exact_balances(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    ann, bob = await user_factory(), await user_factory()
    await earn(
        db, user_id=ann.id, points=5, xp=0, key="before", reference="r", reason={}, now=clock.now()
    )
    posted = await earn_many(
        db,
        [
            award(ann.id, "a1", points=10, xp=3),
            award(bob.id, "b1", points=7),
            award(ann.id, "a2", points=20),
            award(bob.id, "b1", points=99),  # the same key again in the batch: nothing
            award(bob.id, "before", points=99),  # a key used earlier: nothing
            award(bob.id, "zero", points=0),  # nothing to post: no transaction
            award(bob.id, "xp-only", points=0, xp=4),
        ],
        now=clock.now(),
    )
    assert [p.posted for p in posted] == [True, True, True, False, False, False, True]
    assert [p.balances for p in posted] == [
        {"points": 15, "xp": 3},
        {"points": 7},
        {"points": 35},
        {},
        {},
        {},
        {"xp": 4},
    ]
    ann_wallet = await balances(db, ann.id, now=clock.now())
    bob_wallet = await balances(db, bob.id, now=clock.now())
    assert (ann_wallet.points, ann_wallet.xp) == (35, 3)
    assert (bob_wallet.points, bob_wallet.xp) == (7, 4)
    after = [
        e.balance_after
        for e in await history(db, ann.id, currency=Currency.POINTS, before_seq=None, limit=None)
    ]
    assert after == [35, 15, 5]  # newest first: every entry has its own balance after
    assert await check_ledger(db) == []


async def test_running_the_batch_again_changes_nothing(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    batch = [award(user.id, f"k{n}", lot_days=30) for n in range(3)]
    first = await earn_many(db, batch, now=clock.now())
    again = await earn_many(db, batch, now=clock.now())
    assert [p.posted for p in first] == [True] * 3
    assert [p.posted for p in again] == [False] * 3
    assert all(p.transaction_id is None for p in again)
    keys = {p.transaction_id for p in first}
    transactions = await db.scalar(
        sa.select(sa.func.count()).where(col(LedgerTransaction.id).in_(keys))
    )
    entries = await db.scalar(
        sa.select(sa.func.count()).where(col(LedgerEntry.transaction_id).in_(keys))
    )
    lots = (
        await db.scalars(sa.select(PointsLot).where(col(PointsLot.transaction_id).in_(keys)))
    ).all()
    assert (transactions, entries, len(lots)) == (3, 6, 3)
    assert {lot.expires_at for lot in lots} == {clock.now() + timedelta(days=30)}
    assert (await balances(db, user.id, now=clock.now())).points == 30
    assert await check_ledger(db) == []


async def test_negative_amounts_are_refused_before_anything_is_written(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    with pytest.raises(ValueError, match="never negative"):
        await earn_many(
            db, [award(user.id, "ok"), award(user.id, "bad", points=-1)], now=clock.now()
        )
    assert (await balances(db, user.id, now=clock.now())).points == 0


async def test_an_empty_batch_posts_nothing(db: AsyncSession, clock: FrozenClock) -> None:
    assert await earn_many(db, [], now=clock.now()) == []


@pytest.mark.committing
async def test_concurrent_bulk_awards_over_shared_users_commit_exactly(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
) -> None:
    """Awards listing their users in id order lock them in that order: no deadlock, every
    earn counted once, even with a replayed key in every batch."""
    users = sorted([(await user_factory()).id for _ in range(8)])

    async def bulk(n: int) -> list[bool]:
        batch = [award(user, f"bulk:{n}:{user}", points=3, xp=1) for user in users]
        batch.append(award(users[0], "bulk:shared", points=100))
        async with sessionmaker.begin() as db:
            return [p.posted for p in await earn_many(db, batch, now=clock.now())]

    results = await asyncio.gather(*(bulk(n) for n in range(6)))
    assert sum(result[-1] for result in results) == 1  # the shared key posts once
    assert all(all(result[:-1]) for result in results)
    async with sessionmaker() as db:
        wallets = [await balances(db, user, now=clock.now()) for user in users]
        assert [(w.points, w.xp) for w in wallets] == [(118, 6)] + [(18, 6)] * 7
        assert await check_ledger(db) == []
