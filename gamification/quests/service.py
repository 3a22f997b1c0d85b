"""Quest progress and payment, in the transaction of the events that make the progress.

A quest completes when its counter, summed over its period on the learner's calendar, reaches
the target. The completion row (learner, quest, period) is inserted once, whoever gets there
first among concurrent events; only that insert pays, within the global daily points cap,
under the ledger reference `quest:{period start}:{quest}:{user}`: one call of the database
function `quest_complete` (migration 0026).
"""

import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.quests.catalogue import Quest
from gamification.quests.draw import Drawn, Periods, draw

QUEST_COMPLETED = "quest_completed"

# Built once: the pool with, for each template, the learner's count over the template's
# current period and whether it is completed for that period, in one read.
_POOL = sa.text(
    """
    SELECT q.id, q.cadence, q.kind, q.target, q.points, q.xp, q.title, q.months, q.badge_id,
           COALESCE((SELECT sum(d.count) FROM engagement_day_count d
                      WHERE d.user_id = :user_id AND d.kind = q.kind
                        AND d.day BETWEEN p.start AND :day), 0) AS progress,
           EXISTS (SELECT 1 FROM quest_completion c
                    WHERE c.user_id = :user_id AND c.quest_id = q.id
                      AND c.period_start = p.start) AS completed
      FROM quest_template q
     CROSS JOIN LATERAL (SELECT CASE q.cadence WHEN 'daily' THEN CAST(:day AS date)
                                               WHEN 'weekly' THEN CAST(:week_start AS date)
                                               ELSE CAST(:month_start AS date) END AS start) p
     WHERE q.enabled
    """
)
# Built once: a completed quest is claimed and paid by this one call (migration 0026).
_COMPLETE = (
    sa.text(
        "SELECT paid, points, reason FROM quest_complete(:user_id, :quest_id, :period_start, "
        ":points, :xp, :reference, :reason, :cap_day, :daily_cap, :now, :lot_days)"
    )
    .bindparams(sa.bindparam("reason", type_=JSONB))
    .columns(reason=JSONB)
)


@dataclass(frozen=True)
class QuestPaid:
    quest: Quest
    period_start: date
    points: int  # after the daily cap
    xp: int
    reason: dict[str, Any]


@dataclass(frozen=True)
class QuestProgress:
    quest: Quest
    period_start: date
    progress: int
    completed: bool


def ledger_reference(period_start: date, quest_id: str, user_id: uuid.UUID) -> str:
    return f"quest:{period_start}:{quest_id}:{user_id}"


@dataclass(frozen=True)
class _Pooled:
    quest: Quest
    progress: int  # the counter over the quest's current period
    completed: bool  # for its current period


async def _pool(db: AsyncSession, user_id: uuid.UUID, periods: Periods) -> list[_Pooled]:
    params = {
        "user_id": user_id,
        "day": periods.day,
        "week_start": periods.week_start,
        "month_start": periods.month_start,
    }
    return [
        _Pooled(
            Quest(
                id=r.id,
                cadence=r.cadence,
                kind=r.kind,
                target=r.target,
                points=int(r.points),
                xp=int(r.xp),
                title=r.title,
                months=tuple(r.months) if r.months else None,
                badge_id=r.badge_id,
            ),
            int(r.progress),
            r.completed,
        )
        for r in await db.execute(_POOL, params)
    ]


async def advance_quests(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    kinds: Collection[str],
    periods: Periods,
    cap_day: date,
    daily_points_cap: int,
    lot_days: int,
    now: datetime,
    multiplier: Callable[[], Awaitable[Decimal]],
) -> list[QuestPaid]:
    """Complete and pay the drawn quests the counted `kinds` bring to their target, their
    points times the campaign `multiplier` (asked once, only when a quest completes)."""
    pool = await _pool(db, user_id, periods)
    pooled = {p.quest.id: p for p in pool}
    drawn = draw([p.quest for p in pool], user_id, periods).all
    paid = []
    factor: Decimal | None = None
    for quest in drawn:
        status = pooled[quest.id]
        if quest.kind in kinds and not status.completed and status.progress >= quest.target:
            if factor is None:
                factor = await multiplier()
            payment = await _complete(
                db,
                quest,
                points=_multiplied(quest.points, factor),
                user_id=user_id,
                period_start=periods.start_of(quest.cadence),
                cap_day=cap_day,
                cap=daily_points_cap,
                lot_days=lot_days,
                now=now,
            )
            if payment is not None:
                paid.append(payment)
    return paid


def _multiplied(points: int, factor: Decimal) -> int:
    """Quest points times a campaign multiplier, rounded down as the rules' are."""
    return max(0, int((Decimal(points) * factor).to_integral_value(rounding=ROUND_FLOOR)))


async def _complete(
    db: AsyncSession,
    quest: Quest,
    *,
    points: int,
    user_id: uuid.UUID,
    period_start: date,
    cap_day: date,
    cap: int,
    lot_days: int,
    now: datetime,
) -> QuestPaid | None:
    """Claim and pay the quest for its period: one call of `quest_complete` (migration 0026)."""
    reason: dict[str, Any] = {
        "code": QUEST_COMPLETED,
        "quest": quest.id,
        "title": quest.title.get("zh-CN", ""),
        "title_en": quest.title.get("en", ""),
    }
    params = {
        "user_id": user_id,
        "quest_id": quest.id,
        "period_start": period_start,
        "points": points,
        "xp": quest.xp,
        "reference": ledger_reference(period_start, quest.id, user_id),
        "reason": reason,
        "cap_day": cap_day,
        "daily_cap": cap,
        "now": now,
        "lot_days": lot_days,
    }
    row = (await db.execute(_COMPLETE, params)).one()
    if not row.paid:
        return None  # completed before, or by a concurrent event that committed first
    return QuestPaid(quest, period_start, int(row.points), quest.xp, row.reason)


async def quests_of(
    db: AsyncSession, *, user_id: uuid.UUID, periods: Periods
) -> tuple[Drawn, list[QuestProgress]]:
    """The learner's quests for the period with progress (capped at the target)."""
    pool = await _pool(db, user_id, periods)
    pooled = {p.quest.id: p for p in pool}
    drawn = draw([p.quest for p in pool], user_id, periods)
    return drawn, [
        QuestProgress(
            quest=q,
            period_start=periods.start_of(q.cadence),
            progress=min(pooled[q.id].progress, q.target),
            completed=pooled[q.id].completed,
        )
        for q in drawn.all
    ]
