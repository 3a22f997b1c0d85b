"""Migration 0029 in SQL: `quest_drawn` draws what `gamification/quests/draw.py` draws, and
`engagement_report` counts a reported event once with its badges, quests and league XP."""

import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import FrozenClock
from gamification.engagement.service import Payout, record_event
from gamification.quests.catalogue import DAILY_QUESTS, Quest, save_quests
from gamification.quests.draw import Periods, draw
from tests.engagement.catalogue import align_league_places, save_catalogue
from tests.factories import UserFactory

NOON = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # a Wednesday, noon in Shanghai
PAYOUT = Payout(daily_points_cap=500, lot_days=365, business_timezone="Asia/Shanghai")
DRAWN = sa.text("SELECT id, period_start FROM quest_drawn(:user_id, :day, :daily_quests)")


def reported_quest(id: str, cadence: str, kind: str = "post_read", **extra: object) -> Quest:
    title = {"zh-CN": f"{id}（中文）", "en": id}
    return Quest(id, cadence, kind, 1, 10, 5, title, **extra)  # type: ignore[arg-type]


POOL = [
    *(reported_quest(f"daily-{n}", "daily") for n in range(7)),
    *(reported_quest(f"weekly-{n}", "weekly") for n in range(3)),
    reported_quest("monthly-any", "monthly"),
    reported_quest("monthly-any-2", "monthly"),
    reported_quest("monthly-march", "monthly", months=(3, 4)),
    reported_quest("monthly-june", "monthly", months=(6,)),
]


async def test_the_sql_draw_is_the_python_draw(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    await save_quests(db, POOL, now=clock.now())
    users = [uuid.uuid4() for _ in range(20)]
    for offset in range(0, 120, 7):  # days across weeks and months, themed and not
        day = date(2026, 1, 1) + timedelta(days=offset)
        periods = Periods(day)
        for user_id in users:
            params = {"user_id": user_id, "day": day, "daily_quests": DAILY_QUESTS}
            rows = (await db.execute(DRAWN, params)).all()
            expected = draw(POOL, user_id, periods).all
            assert sorted(rows) == sorted((q.id, periods.start_of(q.cadence)) for q in expected), (
                day,
                user_id,
            )


async def engagement_state(db: AsyncSession, user_id: uuid.UUID) -> tuple[object, ...]:
    row = (
        await db.execute(
            sa.text(
                "SELECT (SELECT value FROM engagement_counter WHERE user_id = :u "
                "AND kind = 'vouchers_redeemed') AS counted, "
                "(SELECT array_agg(badge_id ORDER BY badge_id) FROM badge_award "
                "WHERE user_id = :u) AS badges, "
                "(SELECT array_agg(quest_id) FROM quest_completion WHERE user_id = :u) AS quests, "
                "(SELECT sum(xp) FROM league_member WHERE user_id = :u) AS league_xp, "
                "(SELECT balance FROM ledger_account WHERE user_id = :u AND currency = 'points') "
                "AS points"
            ),
            {"u": user_id},
        )
    ).one()
    return tuple(row)


async def test_a_reported_event_counts_once_with_its_badge_quest_and_league_xp(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    await save_catalogue(db, clock)
    await save_quests(
        db, [reported_quest("daily-redeem", "daily", kind="vouchers_redeemed")], now=NOON
    )
    await align_league_places(db)
    user = await user_factory()
    paid = [
        await record_event(
            db,
            user_id=user.id,
            kind="vouchers_redeemed",
            reference="voucher:1",
            timezone=None,
            now=NOON,
            payout=PAYOUT,
        )
        for _ in range(2)
    ]
    assert paid == [5, 0]
    assert await engagement_state(db, user.id) == (1, ["redeemer"], ["daily-redeem"], 5, 10)
    reason = await db.scalar(
        sa.text("SELECT reason FROM ledger_transaction WHERE reference = :r"),
        {"r": f"quest:{NOON.date()}:daily-redeem:{user.id}"},
    )
    assert reason == {
        "code": "quest_completed",
        "quest": "daily-redeem",
        "title": "daily-redeem（中文）",
        "title_en": "daily-redeem",
    }
