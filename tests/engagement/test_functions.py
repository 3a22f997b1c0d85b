"""The streak's pause and repair as `reward_award` (migration 0019) counts them, called in SQL,
and migration 0026's `quest_complete`: a quest claimed and paid once, within the global
daily cap."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.rewards.streak_extras import pause_streak, repair_streak
from gamification.rewards.streaking import lock_streak, write_streak
from gamification.rewards.streaks import Streak
from tests.factories import UserFactory
from tests.helpers import LoadRules
from tests.rewards.test_award_functions import TODAY, sql_award

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # TODAY, noon in Shanghai
SHANGHAI = "Asia/Shanghai"
COMPLETE = sa.text(
    "SELECT * FROM quest_complete(:user_id, 'read-2', :period, 50, 10, :reference, "
    "CAST(:reason AS jsonb), :period, :cap, :now, 365)"
)


async def _run(db: AsyncSession, user_id: uuid.UUID, *, last_active_on: date) -> None:
    """A 5-day run without freezes, last active on `last_active_on`."""
    await lock_streak(db, user_id, now=NOW)
    started = last_active_on - timedelta(days=4)
    await write_streak(db, user_id, Streak(5, 5, 0, last_active_on, started), now=NOW)


async def test_an_award_during_a_pause_counts_no_day_and_the_run_goes_on_after_it(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    await _run(db, user.id, last_active_on=TODAY - timedelta(days=1))
    await pause_streak(
        db, user_id=user.id, timezone=None, business_timezone=SHANGHAI, days=3, now=NOW
    )
    during = await sql_award(db, user.id, today=TODAY + timedelta(days=1))
    assert (during.streak_current, during.rewards) == (5, [])
    after = await sql_award(db, user.id, today=TODAY + timedelta(days=3))
    assert (after.streak_current, after.streak_last_active_on) == (6, TODAY + timedelta(days=3))


async def test_a_day_missed_after_the_pause_breaks_the_run(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    await _run(db, user.id, last_active_on=TODAY - timedelta(days=1))
    await pause_streak(
        db, user_id=user.id, timezone=None, business_timezone=SHANGHAI, days=3, now=NOW
    )
    row = await sql_award(db, user.id, today=TODAY + timedelta(days=4))
    assert (row.streak_current, row.streak_longest) == (1, 5)


async def test_an_award_after_a_repair_lengthens_the_repaired_run(
    db: AsyncSession, user_factory: UserFactory, load_rules: LoadRules
) -> None:
    await load_rules()
    user = await user_factory()
    await _run(db, user.id, last_active_on=TODAY - timedelta(days=2))  # yesterday missed
    assert (await sql_award(db, user.id, active=False)).streak_current == 5  # as stored
    await repair_streak(
        db, user_id=user.id, timezone=None, business_timezone=SHANGHAI, cost=0, now=NOW
    )
    row = await sql_award(db, user.id)
    assert (row.streak_current, row.streak_longest, row.streak_last_active_on) == (6, 6, TODAY)


async def _complete(db: AsyncSession, user_id: uuid.UUID, *, cap: int) -> Any:
    params = {
        "user_id": user_id,
        "period": TODAY,
        "reference": f"quest:{TODAY}:read-2:{user_id}",
        "reason": '{"code": "quest_completed", "quest": "read-2"}',
        "cap": cap,
        "now": NOW,
    }
    return (await db.execute(COMPLETE, params)).one()


async def test_a_quest_is_paid_once_within_the_daily_cap(
    db: AsyncSession, user_factory: UserFactory
) -> None:
    user = await user_factory()
    first = await _complete(db, user.id, cap=30)
    assert (first.paid, first.points) == (True, 30)
    assert first.reason == {"code": "quest_completed", "quest": "read-2", "capped_from": 50}
    again = await _complete(db, user.id, cap=500)
    assert (again.paid, again.points, again.reason) == (False, None, None)
    stored = (
        await db.execute(
            sa.text(
                "SELECT c.points, c.xp, (SELECT count(*) FROM ledger_transaction t "
                "WHERE t.reference = :reference) AS earns, "
                "(SELECT d.points FROM reward_daily_points d "
                "WHERE d.user_id = :user_id AND d.scope = '*') AS capped "
                "FROM quest_completion c WHERE c.user_id = :user_id"
            ),
            {"user_id": user.id, "reference": f"quest:{TODAY}:read-2:{user.id}"},
        )
    ).one()
    assert tuple(stored) == (30, 10, 1, 30)


async def test_a_quest_whose_reference_was_paid_gives_the_cap_back(
    db: AsyncSession, user_factory: UserFactory
) -> None:
    user = await user_factory()
    await _complete(db, user.id, cap=500)
    await db.execute(sa.text("DELETE FROM quest_completion WHERE user_id = :u"), {"u": user.id})
    replay = await _complete(db, user.id, cap=500)  # claimed anew, but the ledger key is taken
    assert (replay.paid, replay.points) == (True, 0)
    capped = await db.scalar(
        sa.text("SELECT points FROM reward_daily_points WHERE user_id = :u AND scope = '*'"),
        {"u": user.id},
    )
    assert capped == 50
