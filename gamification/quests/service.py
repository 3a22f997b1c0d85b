"""Quest progress and payment, in the transaction of the events that make the progress.

A quest completes when its counter, summed over its period on the learner's calendar, reaches
the target. The completion row (learner, quest, period) is inserted once, whoever gets there
first among concurrent events; only that insert pays, within the daily points cap, under the
ledger reference `quest:{period start}:{quest}:{user}`.
"""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.engagement.models import EngagementDayCount
from gamification.ledger.operations import earn
from gamification.quests.catalogue import Quest
from gamification.quests.draw import Drawn, Periods, draw
from gamification.quests.models import QuestCompletion, QuestTemplate
from gamification.rewards.models import ALL_RULES

QUEST_COMPLETED = "quest_completed"

_POOL = sa.select(
    col(QuestTemplate.id),
    col(QuestTemplate.cadence),
    col(QuestTemplate.kind),
    col(QuestTemplate.target),
    col(QuestTemplate.points),
    col(QuestTemplate.xp),
    col(QuestTemplate.title),
    col(QuestTemplate.months),
    col(QuestTemplate.badge_id),
).where(col(QuestTemplate.enabled).is_(True))
# The daily cap's counters, as the rule payments take them (migration 0019's functions).
_TAKE_POINTS = sa.text("SELECT reward_take_points(:user_id, :day, :scope, :wanted, :cap)")
_GIVE_BACK = sa.text("SELECT reward_give_back(:user_id, :day, :scope, :points)")
_completion = insert(QuestCompletion)
_CLAIM = _completion.on_conflict_do_nothing().returning(col(QuestCompletion.quest_id))


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


async def quest_pool(db: AsyncSession) -> list[Quest]:
    rows = await db.execute(_POOL)
    return [
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
        )
        for r in rows
    ]


async def _period_counts(
    db: AsyncSession, user_id: uuid.UUID, drawn: Sequence[Quest], periods: Periods
) -> dict[str, int]:
    """Each drawn quest's counter over its period, by quest id, in one read."""
    if not drawn:
        return {}
    first = min(periods.start_of(q.cadence) for q in drawn)
    rows = await db.execute(
        sa.select(
            col(EngagementDayCount.kind), col(EngagementDayCount.day), col(EngagementDayCount.count)
        ).where(
            col(EngagementDayCount.user_id) == user_id,
            col(EngagementDayCount.kind).in_(sorted({q.kind for q in drawn})),
            col(EngagementDayCount.day).between(first, periods.day),
        )
    )
    days = [(kind, day, int(n)) for kind, day, n in rows]
    return {
        q.id: sum(
            n for kind, day, n in days if kind == q.kind and day >= periods.start_of(q.cadence)
        )
        for q in drawn
    }


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
) -> list[QuestPaid]:
    """Complete and pay the drawn quests the counted `kinds` bring to their target."""
    pool = await quest_pool(db)
    touched = [q for q in draw(pool, user_id, periods).all if q.kind in kinds]
    counts = await _period_counts(db, user_id, touched, periods)
    paid = []
    for quest in touched:
        if counts[quest.id] >= quest.target:
            payment = await _complete(
                db,
                quest,
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


async def _complete(
    db: AsyncSession,
    quest: Quest,
    *,
    user_id: uuid.UUID,
    period_start: date,
    cap_day: date,
    cap: int,
    lot_days: int,
    now: datetime,
) -> QuestPaid | None:
    claim = {
        "user_id": user_id,
        "quest_id": quest.id,
        "period_start": period_start,
        "points": 0,
        "xp": quest.xp,
        "completed_at": now,
    }
    if (await db.execute(_CLAIM, claim)).first() is None:
        return None  # completed before, or by a concurrent event that committed first
    cap_row = {"user_id": user_id, "day": cap_day, "scope": ALL_RULES}
    granted = int(
        await db.scalar(_TAKE_POINTS, {**cap_row, "wanted": quest.points, "cap": cap}) or 0
    )
    reference = ledger_reference(period_start, quest.id, user_id)
    reason: dict[str, Any] = {
        "code": QUEST_COMPLETED,
        "quest": quest.id,
        "title": quest.title.get("zh-CN", ""),
        "title_en": quest.title.get("en", ""),
    }
    if granted < quest.points:
        reason["capped_from"] = quest.points
    posted = await earn(
        db,
        user_id=user_id,
        points=granted,
        xp=quest.xp,
        key=reference,
        reference=reference,
        reason=reason,
        now=now,
        lot_days=lot_days,
    )
    if not posted.posted:
        await db.execute(_GIVE_BACK, {**cap_row, "points": granted})
        granted = 0
    await db.execute(
        sa.update(QuestCompletion)
        .where(
            col(QuestCompletion.user_id) == user_id,
            col(QuestCompletion.quest_id) == quest.id,
            col(QuestCompletion.period_start) == period_start,
        )
        .values(points=granted)
    )
    return QuestPaid(quest, period_start, granted, quest.xp, reason)


async def quests_of(
    db: AsyncSession, *, user_id: uuid.UUID, periods: Periods
) -> tuple[Drawn, list[QuestProgress]]:
    """The learner's quests for the period with progress (capped at the target)."""
    drawn = draw(await quest_pool(db), user_id, periods)
    quests = drawn.all
    counts = await _period_counts(db, user_id, quests, periods)
    rows = await db.execute(
        sa.select(col(QuestCompletion.quest_id), col(QuestCompletion.period_start)).where(
            col(QuestCompletion.user_id) == user_id,
            col(QuestCompletion.quest_id).in_([q.id for q in quests]),
            col(QuestCompletion.period_start)
            >= min((periods.start_of(q.cadence) for q in quests), default=periods.day),
        )
    )
    done = {(row.quest_id, row.period_start) for row in rows}
    return drawn, [
        QuestProgress(
            quest=q,
            period_start=periods.start_of(q.cadence),
            progress=min(counts.get(q.id, 0), q.target),
            completed=(q.id, periods.start_of(q.cadence)) in done,
        )
        for q in quests
    ]
