"""A quiz attempt graded, recorded and paid in one statement: the lesson's read
(`courses.access.LESSON_EXPLANATIONS`) and, on its row, `quiz_attempt_grade_submit`
(migration 0047), which grades the answers and calls `quiz_attempt_submit` (migration 0034).

What `award_for_events` and `record_engagement` do for other events in three to five
statements, the function does for a quiz attempt inside the one that records it: the first pass
and first perfect score paid under the campaign multipliers in force
(`campaign_multipliers_in_force`, the definition `gamification/campaigns/multipliers.py`
reads too) and the daily caps, the learner's day counted for the streak, the engagement
counters, badges, quests and league week they feed, and the wallet after it all. The Python
paths it follows remain the specification (`courses.grading`, `rules.occurrence_of`,
`service._tally`, `engagement.kinds`); tests hold the two equal.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from core.driver_reads import DriverWrite
from core.ids import new_id
from courses.access import LESSON_EXPLANATIONS, may_take
from courses.gating import risk_rank
from courses.quizzes import GradedQuiz, Recorded, graded_attempt
from gamification.engagement.service import reporting
from gamification.ledger.queries import balances_of, expiring_before
from gamification.rewards.service import Reward, RewardPolicy, Wallet, streak_of, wallet_of

# What `quiz_attempt_grade_submit` answers, with their types.
_ANSWERED: dict[str, Any] = {
    "outcome": sa.Text(),
    "correct": ARRAY(sa.Text()),
    "score": sa.Integer(),
    "max_score": sa.Integer(),
    "passed": sa.Boolean(),
    "attempts_used": sa.Integer(),
    "first_pass": sa.Boolean(),
    "first_perfect": sa.Boolean(),
    "rewards": JSONB(),
    "streak_current": sa.Integer(),
    "streak_longest": sa.Integer(),
    "streak_freezes": sa.Integer(),
    "streak_last_active_on": sa.Date(),
    "streak_run_started_on": sa.Date(),
    "points": sa.BigInteger(),
    "xp": sa.BigInteger(),
    "expiring_points": ARRAY(sa.BigInteger()),
    "expiring_at": ARRAY(sa.DateTime(timezone=True)),
}


def _attempt_query() -> Any:
    """The lesson's read as a CTE and the function called on its row (none: not published)."""
    lesson = LESSON_EXPLANATIONS.cte("lesson")

    def param(name: str, type_: Any) -> Any:
        return sa.bindparam(name, type_=type_)

    graded = (
        sa.func.quiz_attempt_grade_submit(
            may_take(lesson, param("risk_rank", sa.Integer())),
            lesson.c.answer_key,
            param("answers", JSONB()),
            param("user_id", sa.Uuid()),
            param("lesson_id", sa.Uuid()),
            lesson.c.course_id,
            lesson.c.course_slug,
            lesson.c.version_id,
            lesson.c.quiz_passed_attempt_id.is_not(None),
            lesson.c.quiz_perfect_attempt_id.is_not(None),
            param("cap", sa.Integer()),
            param("attempt_id", sa.Uuid()),
            param("now", sa.DateTime(timezone=True)),
            param("day", sa.Date()),
            param("cap_day", sa.Date()),
            param("daily_cap", sa.BigInteger()),
            param("lot_days", sa.Integer()),
            param("expiring_before", sa.DateTime(timezone=True)),
            param("daily_quests", sa.Integer()),
            param("highest_tier", sa.Integer()),
            param("cohort_size", sa.Integer()),
        )
        .table_valued(*(sa.column(name, type_) for name, type_ in _ANSWERED.items()))
        .lateral("graded")
    )
    return sa.select(lesson, graded).select_from(lesson.join(graded, sa.true()))


# Built once: every quiz attempt is this one statement, a unit of work of its own.
_ATTEMPT = DriverWrite(_attempt_query())


@dataclass(frozen=True)
class PaidAttempt:
    recorded: Recorded
    rewards: list[Reward]  # the rules' (quiz_passed, quiz_perfect, streak_N), then quests'
    wallet: Wallet | None  # None when the attempt was not recorded


async def submit_quiz_attempt(
    db: AsyncSession,
    lesson_id: uuid.UUID,
    answers: Mapping[str, Sequence[str]],
    *,
    user_id: uuid.UUID,
    risk_profile: str | None,
    locale: str,
    timezone: str | None,
    now: datetime,
    daily_attempts: int,
    policy: RewardPolicy,
) -> tuple[GradedQuiz, PaidAttempt]:
    """Grade the answers, record the attempt against today's allowance (business days, like
    the caps) and pay what it earns; the learner's day (`timezone`) counts for the streak,
    passed or not. The explanations and the course title come in `locale`. The multipliers
    come from the campaigns in the database, whatever `policy.multipliers` says."""
    engagement = reporting(timezone=timezone, now=now, payout=policy.payout)
    attempt_id = new_id()
    row = await _ATTEMPT.first(
        db,
        lesson_id=lesson_id,
        user_id=user_id,
        locale=locale,
        risk_rank=risk_rank(risk_profile),
        answers=dict(answers),
        cap=daily_attempts,
        attempt_id=attempt_id,
        now=now,
        expiring_before=expiring_before(now),
        **engagement.params(),
    )
    graded, recorded = graded_attempt(
        row, lesson_id, risk_profile=risk_profile, answers=answers, attempt_id=attempt_id
    )
    assert row is not None  # graded_attempt refuses a missing lesson
    if recorded.attempts_used is None:
        return graded, PaidAttempt(recorded, [], None)
    wallet = wallet_of(balances_of(row), streak_of(row), engagement.day)
    return graded, PaidAttempt(recorded, _rewards(row.rewards), wallet)


def _rewards(items: list[dict[str, Any]]) -> list[Reward]:
    return [
        Reward(item["kind"], int(item["points"]), int(item["xp"]), item["reason"]) for item in items
    ]
