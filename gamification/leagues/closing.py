"""Closing past weeks: rank each cohort, move learners up and down, pay the leaders.

First the cohorts of the past LISTED_WEEKS weeks are listed from their members (joining writes
no cohort row). Then it runs in chunks of cohorts claimed with `FOR UPDATE SKIP LOCKED`, each
chunk one transaction: replicas (or a second run) closing at once share the cohorts and never
close one twice; a closed cohort is marked and skipped, results are unique per (week,
learner) and the prizes are ledger earns with unique keys, so running again changes nothing.

Ranks: XP this week, ties to who reached that XP first. The top `promote` go up (none from the
highest tier), the bottom `demote` go down (none from the lowest tier, never a promoted
place); the first places get the tier's prizes; every member finds the result in the inbox.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gamification.ledger.operations import Earn, earn_many

LEAGUE_PRIZE = "league_prize"
LISTED_WEEKS = 8  # how far back the close looks for weeks not closed yet

_LIST_COHORTS = sa.text(
    """
    INSERT INTO league_cohort (id, week_start, tier, created_at)
    SELECT cohort_id, min(week_start), min(tier), :now FROM league_member
     WHERE week_start >= CAST(:current AS date) - 7 * :weeks AND week_start < :current
     GROUP BY cohort_id
    ON CONFLICT DO NOTHING
    """
)

_CLAIM_COHORTS = sa.text(
    """
    SELECT id FROM league_cohort
     WHERE week_start < :current AND closed_at IS NULL
     ORDER BY week_start, id
     LIMIT :size
       FOR UPDATE SKIP LOCKED
    """
)
_WRITE_RESULTS = sa.text(
    """
    WITH ranked AS (
        SELECT m.week_start, m.user_id, m.cohort_id, m.tier, m.xp,
               row_number() OVER w AS rank, count(*) OVER (PARTITION BY m.cohort_id) AS size
          FROM league_member m
         WHERE m.cohort_id = ANY(:cohorts)
        WINDOW w AS (PARTITION BY m.cohort_id ORDER BY m.xp DESC, m.reached_at, m.user_id)
    ), top AS (SELECT COALESCE(max(position), 0) AS position FROM league_tier), judged AS (
        SELECT r.*, t.prizes,
               CASE WHEN r.tier < top.position AND r.rank <= t.promote THEN 'promoted'
                    WHEN r.tier > 0 AND r.rank > GREATEST(r.size - t.demote, t.promote)
                         THEN 'demoted'
                    ELSE 'stayed' END AS outcome
          FROM ranked r CROSS JOIN top
          JOIN league_tier t ON t.position = LEAST(r.tier, top.position)
    )
    INSERT INTO league_result
        (week_start, user_id, cohort_id, tier, rank, xp, outcome, new_tier, prize_points,
         closed_at)
    SELECT week_start, user_id, cohort_id, tier, rank, xp, outcome,
           tier + CASE outcome WHEN 'promoted' THEN 1 WHEN 'demoted' THEN -1 ELSE 0 END,
           COALESCE(prizes[rank], 0), :now
      FROM judged
    ON CONFLICT DO NOTHING
    """
)
_MOVE_PLAYERS = sa.text(
    """
    INSERT INTO league_player (user_id, tier, updated_at)
    SELECT user_id, new_tier, :now FROM league_result
     WHERE cohort_id = ANY(:cohorts) AND new_tier <> tier
    ON CONFLICT (user_id) DO UPDATE SET tier = EXCLUDED.tier, updated_at = EXCLUDED.updated_at
    """
)
_PRIZES = sa.text(
    """
    SELECT user_id, week_start, tier, rank, prize_points FROM league_result
     WHERE cohort_id = ANY(:cohorts) AND prize_points > 0
     ORDER BY user_id
    """
)
# Each member's result in their inbox (the campaigns' inbox table, idempotent by its unique
# reference, as `campaigns.inbox.post_message` posts), a chunk in one statement: a million
# members cannot afford a statement each.
_POST_RESULTS = sa.text(
    """
    INSERT INTO campaign_inbox_message (id, user_id, reference, title, body, created_at)
    SELECT gen_random_uuid(), r.user_id, 'league-week:' || r.week_start || ':' || r.user_id,
           jsonb_build_object('zh-CN', '本周联赛结果', 'en', 'Your league week'),
           jsonb_build_object(
               'zh-CN', format('你在%s联赛中以 %s XP 排名第 %s。%s%s',
                   t.name ->> 'zh-CN', r.xp, r.rank,
                   CASE r.outcome
                       WHEN 'promoted' THEN '晋级到' || (n.name ->> 'zh-CN') || '联赛！'
                       WHEN 'demoted' THEN '下周在' || (n.name ->> 'zh-CN') || '联赛再出发。'
                       ELSE '下周继续留在本联赛。' END,
                   CASE WHEN r.prize_points > 0
                        THEN format('奖励 %s 积分。', r.prize_points) ELSE '' END),
               'en', format('You finished #%s in the %s league with %s XP. %s%s',
                   r.rank, t.name ->> 'en', r.xp,
                   CASE r.outcome WHEN 'promoted' THEN 'Promoted to ' || (n.name ->> 'en') || '!'
                                  WHEN 'demoted' THEN 'Next week: ' || (n.name ->> 'en') || '.'
                                  ELSE 'You stay in this league.' END,
                   CASE WHEN r.prize_points > 0
                        THEN format(' Prize: %s points.', r.prize_points) ELSE '' END)),
           :now
      FROM league_result r
      JOIN league_tier t ON t.position = r.tier
      JOIN league_tier n ON n.position = r.new_tier
     WHERE r.cohort_id = ANY(:cohorts)
    ON CONFLICT (reference) DO NOTHING
    """
)
_MARK_CLOSED = sa.text("UPDATE league_cohort SET closed_at = :now WHERE id = ANY(:cohorts)")


@dataclass(frozen=True)
class WeekClose:
    cohorts: int
    prizes: int


def prize_key(week: date, user_id: uuid.UUID) -> str:
    return f"league:{week}:{user_id}"


async def close_chunk(
    db: AsyncSession, *, current_week: date, size: int, now: datetime, lot_days: int
) -> WeekClose:
    """Close up to `size` cohorts of weeks before `current_week` that no one else is closing."""
    cohorts = list(await db.scalars(_CLAIM_COHORTS, {"current": current_week, "size": size}))
    if not cohorts:
        return WeekClose(0, 0)
    params = {"cohorts": cohorts, "now": now}
    await db.execute(_WRITE_RESULTS, params)
    await db.execute(_MOVE_PLAYERS, params)
    prizes = [
        Earn(
            user_id=r.user_id,
            points=int(r.prize_points),
            xp=0,
            key=prize_key(r.week_start, r.user_id),
            reference=prize_key(r.week_start, r.user_id),
            reason={"code": LEAGUE_PRIZE, "rank": r.rank, "week": str(r.week_start)},
            lot_days=lot_days,
        )
        for r in await db.execute(_PRIZES, {"cohorts": cohorts})
    ]
    posted = await earn_many(db, prizes, now=now)
    await db.execute(_POST_RESULTS, params)
    await db.execute(_MARK_CLOSED, params)
    return WeekClose(len(cohorts), sum(p.posted for p in posted))


async def close_past_weeks(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    current_week: date,
    now: datetime,
    lot_days: int,
    chunk: int = 1000,
) -> WeekClose:
    """Close every cohort of the weeks before `current_week`, a chunk per transaction."""
    async with sessionmaker.begin() as db:
        await db.execute(
            _LIST_COHORTS, {"current": current_week, "now": now, "weeks": LISTED_WEEKS}
        )
    cohorts = prizes = 0
    while True:
        async with sessionmaker.begin() as db:
            done = await close_chunk(
                db, current_week=current_week, size=chunk, now=now, lot_days=lot_days
            )
        if done.cohorts == 0:
            return WeekClose(cohorts, prizes)
        cohorts, prizes = cohorts + done.cohorts, prizes + done.prizes
