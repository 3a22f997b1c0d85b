"""The learner's quests with their progress.

A quest completes when its counter, summed over its period on the learner's calendar, reaches
the target. Completing and paying is done by the database in the transaction of the events
that make the progress (`engagement_record`, migration 0029, with this module's draw as
`quest_drawn`): the completion row (learner, quest, period) is inserted once, whoever gets
there first among concurrent events; only that insert pays, within the global daily points
cap, under the ledger reference `quest:{period start}:{quest}:{user}` (`quest_complete`,
migration 0026).
"""

import uuid
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.quests.catalogue import Quest
from gamification.quests.draw import Drawn, Periods, draw

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


@dataclass(frozen=True)
class QuestProgress:
    quest: Quest
    period_start: date
    progress: int
    completed: bool


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
