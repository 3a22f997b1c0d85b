"""`ledger_balances` (migration 0019, PL/pgSQL since 0052 so its query is planned once per
connection) in SQL: the wallet's balances, past the calls PostgreSQL plans one by one, when
it may switch to the connection's generic plan."""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import FrozenClock
from tests.factories import UserFactory
from tests.ledger.test_functions import sql_earn

BALANCES = sa.text("SELECT * FROM ledger_balances(:user_id, :now, :expiring_before)")


async def test_balances_stay_right_on_every_call(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    now = clock.now()
    learner, newcomer = await user_factory(), await user_factory()
    for points, days in ((10, 5), (20, 5), (30, 40), (40, 400)):
        await sql_earn(db, learner.id, points, xp=1, now=now - timedelta(days=1), days=days)
    await sql_earn(db, learner.id, 99, now=now - timedelta(days=10), days=3)  # expired
    for _ in range(8):
        row = (
            await db.execute(
                BALANCES,
                {"user_id": learner.id, "now": now, "expiring_before": now + timedelta(days=60)},
            )
        ).one()
        assert (row.points, row.xp) == (100, 4)
        assert row.expiring_points == [30, 30]
        assert row.expiring_at == [now + timedelta(days=4), now + timedelta(days=39)]
        empty = (
            await db.execute(BALANCES, {"user_id": newcomer.id, "now": now, "expiring_before": now})
        ).one()
        assert tuple(empty) == (0, 0, [], [])


async def test_the_wallet_and_grading_functions_are_planned_once(db: AsyncSession) -> None:
    languages = await db.execute(
        sa.text(
            "SELECT p.proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
            "WHERE p.proname IN ('ledger_balances', 'quiz_grade') ORDER BY p.proname"
        )
    )
    assert [tuple(row) for row in languages] == [
        ("ledger_balances", "plpgsql"),
        ("quiz_grade", "plpgsql"),
    ]
