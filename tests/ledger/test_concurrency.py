"""Real commits from many tasks at once: exact counts, no negative balance, books balance."""

import asyncio
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.ledger.errors import InsufficientPoints
from gamification.ledger.expiry import expire_overdue_points
from gamification.ledger.models import TransactionKind
from gamification.ledger.operations import earn, spend
from gamification.ledger.queries import balances
from gamification.ledger.reconcile import check_ledger
from tests.factories import UserFactory

pytestmark = pytest.mark.committing

Sessions = async_sessionmaker[AsyncSession]


async def test_one_hundred_concurrent_earns_with_one_key_post_once(
    sessionmaker: Sessions, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()

    async def complete() -> bool:
        async with sessionmaker.begin() as db:
            posted = await earn(
                db,
                user_id=user.id,
                points=10,
                xp=5,
                key=f"lesson:{user.id}:l1",
                reference="l1",
                reason={},
                now=clock.now(),
            )
        return posted.posted

    results = await asyncio.gather(*(complete() for _ in range(100)))
    assert results.count(True) == 1
    async with sessionmaker() as db:
        wallet = await balances(db, user.id, now=clock.now())
        assert (wallet.points, wallet.xp) == (10, 5)
        assert await check_ledger(db) == []


async def test_two_hundred_users_earning_at_once_are_all_recorded(
    sessionmaker: Sessions, user_factory: UserFactory, clock: FrozenClock
) -> None:
    users = [await user_factory() for _ in range(200)]

    async def earn_for(user_id: uuid.UUID) -> None:
        async with sessionmaker.begin() as db:
            await earn(
                db,
                user_id=user_id,
                points=7,
                xp=3,
                key=f"e:{user_id}",
                reference="r",
                reason={},
                now=clock.now(),
            )

    await asyncio.gather(*(earn_for(user.id) for user in users))
    async with sessionmaker() as db:
        issued = await db.scalar(sa.text(
            "SELECT -SUM(amount) FROM ledger_entry WHERE account_id = '00000000-0000-7000-8000-000000000001'"))  # fmt: skip
        assert issued == 200 * 7
        assert await db.scalar(sa.text("SELECT count(*) FROM ledger_transaction")) == 200
        assert await check_ledger(db) == []


async def test_concurrent_spends_never_overdraw(
    sessionmaker: Sessions, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    async with sessionmaker.begin() as db:
        await earn(
            db,
            user_id=user.id,
            points=100,
            xp=0,
            key="fund",
            reference="r",
            reason={},
            now=clock.now(),
        )

    async def buy(number: int) -> bool:
        try:
            async with sessionmaker.begin() as db:
                await spend(
                    db,
                    user_id=user.id,
                    points=30,
                    kind=TransactionKind.SPEND,
                    key=f"buy:{number}",
                    reference="r",
                    reason={},
                    now=clock.now(),
                )
        except InsufficientPoints:
            return False
        return True

    results = await asyncio.gather(*(buy(n) for n in range(20)))
    assert results.count(True) == 3
    async with sessionmaker() as db:
        assert (await balances(db, user.id, now=clock.now())).points == 10
        assert await check_ledger(db) == []


async def test_expiry_racing_spends_neither_overdraws_nor_spends_expired_points(
    sessionmaker: Sessions, user_factory: UserFactory, clock: FrozenClock
) -> None:
    users = [await user_factory() for _ in range(20)]
    for user in users:
        async with sessionmaker.begin() as db:
            await earn(
                db,
                user_id=user.id,
                points=50,
                xp=0,
                key=f"old:{user.id}",
                reference="r",
                reason={},
                now=clock.now(),
                lot_days=1,
            )
            await earn(
                db,
                user_id=user.id,
                points=50,
                xp=0,
                key=f"new:{user.id}",
                reference="r",
                reason={},
                now=clock.now(),
                lot_days=30,
            )
    clock.advance(timedelta(days=1))

    async def buy(user_id: uuid.UUID, number: int) -> str:
        try:
            async with sessionmaker.begin() as db:
                await spend(
                    db,
                    user_id=user_id,
                    points=20,
                    kind=TransactionKind.SPEND,
                    key=f"b:{user_id}:{number}",
                    reference="r",
                    reason={},
                    now=clock.now(),
                )
        except InsufficientPoints:
            return "refused"
        except DBAPIError as exc:  # a deadlock would surface here
            return f"error: {exc}"
        return "bought"

    spends = [buy(user.id, n) for user in users for n in range(3)]
    results = await asyncio.gather(expire_overdue_points(sessionmaker, now=clock.now()), *spends)
    assert results[0] == (20, 20 * 50)
    outcomes = [str(outcome) for outcome in results[1:]]
    assert not [o for o in outcomes if o.startswith("error")]
    assert outcomes.count("bought") == 20 * 2  # only the 50 live points per user: two buys of 20
    async with sessionmaker() as db:
        for user in users:
            assert (await balances(db, user.id, now=clock.now())).points == 10
        assert await check_ledger(db) == []
