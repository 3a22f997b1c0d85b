"""The in-app satisfaction survey: a 0-10 score and an optional comment, at most once per
`NPS_INTERVAL` per user; `nps_due` tells the app when to ask (after a milestone).

Race-safe by the user's row lock: two answers at once queue on it, and the second, checking
after the first committed (a new statement sees it under READ COMMITTED), is refused.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.ids import new_id
from gamification.outcomes.errors import NpsAnsweredRecently

NPS_INTERVAL = timedelta(days=90)

_LOCK_USER = sa.text("SELECT 1 FROM user_account WHERE id = :user_id FOR NO KEY UPDATE")
# Inserted only when no answer is younger than the interval; else the latest answer's time.
_ANSWER = sa.text(
    """
    WITH latest AS (
        SELECT max(answered_at) AS answered_at FROM nps_response
        WHERE user_id = :user_id AND answered_at > :since
    ), answer AS (
        INSERT INTO nps_response (id, user_id, score, comment, answered_at)
        SELECT :id, :user_id, :score, :comment, :now FROM latest WHERE answered_at IS NULL
        RETURNING answered_at
    )
    SELECT (SELECT answered_at FROM answer) AS answered, (SELECT answered_at FROM latest) AS latest
    """
)


@dataclass(frozen=True)
class NpsAnswer:
    id: uuid.UUID
    score: int
    comment: str | None
    answered_at: datetime

    @property
    def next_allowed_at(self) -> datetime:
        return self.answered_at + NPS_INTERVAL


async def answer_nps(
    db: AsyncSession, *, user_id: uuid.UUID, score: int, comment: str | None, now: datetime
) -> NpsAnswer:
    """Store the answer; `NpsAnsweredRecently` within the interval of the previous one."""
    await db.execute(_LOCK_USER, {"user_id": user_id})
    answer_id = new_id()
    answered, latest = (
        await db.execute(
            _ANSWER,
            {
                "id": answer_id,
                "user_id": user_id,
                "score": score,
                "comment": comment,
                "now": now,
                "since": now - NPS_INTERVAL,
            },
        )
    ).one()
    if answered is None:
        raise NpsAnsweredRecently(next_allowed_at=latest + NPS_INTERVAL)
    return NpsAnswer(answer_id, score, comment, answered)


# The app asks after a milestone: a course completed, a voucher bought with points, a contest
# the user entered finished. Each read is one index range on the user's rows.
_DUE = sa.text(
    """
    SELECT (SELECT max(answered_at) FROM nps_response WHERE user_id = :user_id) AS answered_at,
           greatest(
               (SELECT max(completed_at) FROM course_progress
                WHERE user_id = :user_id AND completed_at <= :now),
               (SELECT max(issued_at) FROM voucher
                WHERE user_id = :user_id AND debit_transaction_id IS NOT NULL
                  AND issued_at <= :now),
               (SELECT max(k.ends_at) FROM contest_entry e JOIN contest k ON k.id = e.contest_id
                WHERE e.user_id = :user_id AND k.ends_at <= :now)
           ) AS milestone_at
    """
)


@dataclass(frozen=True)
class NpsDue:
    due: bool
    next_allowed_at: datetime | None  # None: no answer holds the survey closed


async def nps_due(db: AsyncSession, *, user_id: uuid.UUID, now: datetime) -> NpsDue:
    """Due when a milestone was reached after the last answer (or with none yet), and the last
    answer is at least `NPS_INTERVAL` old."""
    answered_at, milestone_at = (await db.execute(_DUE, {"user_id": user_id, "now": now})).one()
    next_allowed_at = answered_at + NPS_INTERVAL if answered_at is not None else None
    if next_allowed_at is not None and next_allowed_at <= now:
        next_allowed_at = None
    due = (
        milestone_at is not None
        and next_allowed_at is None
        and (answered_at is None or milestone_at > answered_at)
    )
    return NpsDue(due, next_allowed_at)
