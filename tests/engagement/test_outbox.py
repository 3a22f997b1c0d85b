"""Migration 0051 in SQL: an event left in `engagement_outbox` is counted by `engagement_drain`
once, with its badge, quest and league XP, whatever fails between the insert and the drain and
however many drainers run at once."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.engagement.outbox import drain
from gamification.engagement.service import Payout, reporting
from gamification.ledger.reconcile import check_ledger
from gamification.quests.catalogue import save_quests
from tests.engagement.catalogue import align_league_places, save_catalogue
from tests.engagement.test_report_function import engagement_state, reported_quest
from tests.factories import UserFactory

pytestmark = pytest.mark.committing

Sessions = async_sessionmaker[AsyncSession]
NOON = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # a Wednesday, noon in Shanghai
PAYOUT = Payout(daily_points_cap=500, lot_days=365, business_timezone="Asia/Shanghai")
DEFER = sa.text(
    "SELECT engagement_defer(:user_id, 'vouchers_redeemed', :reference, :day, :cap_day, "
    ":daily_cap, :lot_days, :now, :daily_quests, :highest_tier, :cohort_size)"
)


async def prepare(sessions: Sessions) -> None:
    """The test catalogue with one daily quest over redemptions (10 points, 5 XP)."""
    async with sessions.begin() as db:
        await save_catalogue(db, FrozenClock(NOON))
        await save_quests(
            db, [reported_quest("daily-redeem", "daily", kind="vouchers_redeemed")], now=NOON
        )
        await align_league_places(db)


async def defer_in(
    db: AsyncSession, user_id: uuid.UUID, reference: str, now: datetime = NOON
) -> None:
    """What a redemption's statement leaves for the drain (`vouchers_redeemed`)."""
    params = reporting(timezone=None, now=now, payout=PAYOUT).params()
    await db.execute(DEFER, params | {"user_id": user_id, "reference": reference, "now": now})


async def defer(sessions: Sessions, user_id: uuid.UUID, reference: str) -> None:
    async with sessions.begin() as db:
        await defer_in(db, user_id, reference)


async def pending(sessions: Sessions) -> int:
    async with sessions() as db:
        return int(await db.scalar(sa.text("SELECT count(*) FROM engagement_outbox")) or 0)


async def state(sessions: Sessions, user_id: uuid.UUID) -> tuple[object, ...]:
    async with sessions() as db:
        return await engagement_state(db, user_id)


COUNTED = (1, ["redeemer"], ["daily-redeem"], 5, 10)


async def test_a_drain_that_fails_leaves_the_event_pending_and_the_next_counts_it_once(
    sessionmaker: Sessions, user_factory: UserFactory
) -> None:
    await prepare(sessionmaker)
    learner = await user_factory()
    await defer(sessionmaker, learner.id, "voucher:1")
    assert await state(sessionmaker, learner.id) == (None, None, None, None, None)
    async with sessionmaker() as db, db.begin() as transaction:
        assert await drain(db, user_id=None, limit=100) == 1
        await transaction.rollback()  # the drainer dies before its commit
    assert await pending(sessionmaker) == 1
    assert await state(sessionmaker, learner.id) == (None, None, None, None, None)
    async with sessionmaker.begin() as db:
        assert await drain(db, user_id=None, limit=100) == 1
    assert await pending(sessionmaker) == 0
    assert await state(sessionmaker, learner.id) == COUNTED
    async with sessionmaker.begin() as db:
        assert await drain(db, user_id=None, limit=100) == 0
    # Reported again under the same reference: taken off the outbox, not counted again.
    await defer(sessionmaker, learner.id, "voucher:1")
    async with sessionmaker.begin() as db:
        assert await drain(db, user_id=learner.id, limit=100) == 1
    assert await state(sessionmaker, learner.id) == COUNTED


async def test_a_drainer_skips_the_events_another_holds_and_each_is_counted_once(
    sessionmaker: Sessions, user_factory: UserFactory
) -> None:
    await prepare(sessionmaker)
    learner = await user_factory()
    await defer(sessionmaker, learner.id, "voucher:1")
    async with sessionmaker() as first, first.begin():
        assert await drain(first, user_id=None, limit=100) == 1
        # The other does not wait for the first: it finds nothing to take.
        async with sessionmaker.begin() as second:
            assert await asyncio.wait_for(drain(second, user_id=learner.id, limit=100), 5) == 0
    async with sessionmaker.begin() as db:
        assert await drain(db, user_id=None, limit=100) == 0
    assert await state(sessionmaker, learner.id) == COUNTED


async def test_many_drainers_at_once_count_every_event_once_and_pay_each_quest_once(
    sessionmaker: Sessions, user_factory: UserFactory
) -> None:
    await prepare(sessionmaker)
    learners = [await user_factory() for _ in range(20)]
    for learner in learners:
        for n in range(5):
            await defer(sessionmaker, learner.id, f"voucher:{learner.id}:{n}")

    async def drainer(user_id: uuid.UUID | None) -> int:
        taken = 0
        while True:
            async with sessionmaker.begin() as db:
                batch = await drain(db, user_id=user_id, limit=7)
            taken += batch
            if batch == 0:
                return taken

    # Job drainers and the learners' own reads, at once.
    results = await asyncio.gather(
        *(drainer(None) for _ in range(6)), *(drainer(learner.id) for learner in learners[:10])
    )
    assert sum(results) == 100
    assert await pending(sessionmaker) == 0
    for learner in learners:
        assert await state(sessionmaker, learner.id) == (5, ["redeemer"], ["daily-redeem"], 5, 10)
    async with sessionmaker() as db:
        paid = await db.scalar(
            sa.text("SELECT count(*) FROM ledger_transaction WHERE reference LIKE 'quest:%'")
        )
        assert paid == 20
        assert await check_ledger(db) == []


async def test_events_of_two_days_count_each_on_its_own_day(
    sessionmaker: Sessions, user_factory: UserFactory
) -> None:
    await prepare(sessionmaker)
    learner = await user_factory()
    await defer(sessionmaker, learner.id, "voucher:1")
    async with sessionmaker.begin() as db:
        await defer_in(db, learner.id, "voucher:2", NOON + timedelta(days=1))
        assert await drain(db, user_id=learner.id, limit=100) == 2
    async with sessionmaker() as db:
        days = (
            await db.execute(
                sa.text(
                    "SELECT day, count FROM engagement_day_count WHERE user_id = :u ORDER BY day"
                ),
                {"u": learner.id},
            )
        ).all()
        quests = await db.scalars(
            sa.text("SELECT period_start FROM quest_completion WHERE user_id = :u ORDER BY 1"),
            {"u": learner.id},
        )
        assert [tuple(row) for row in days] == [
            (NOON.date(), 1),
            ((NOON + timedelta(days=1)).date(), 1),
        ]
        assert list(quests) == [NOON.date(), (NOON + timedelta(days=1)).date()]
