"""A graded quiz attempt recorded and paid in one statement: `quiz_attempt_submit`
(migration 0034).

What `award_for_events` and `record_engagement` do for other events in three to five
statements, the function does for a quiz attempt inside the one that records it: the first pass
and first perfect score paid under the campaign multipliers in force
(`campaign_multipliers_in_force`, the definition `gamification/campaigns/multipliers.py`
reads too) and the daily caps, the learner's day counted for the streak, the engagement
counters, badges, quests and league week they feed, and the wallet after it all. The Python
paths it follows remain the specification (`rules.occurrence_of`, `service._tally`,
`engagement.kinds`); tests hold the two equal.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from core.driver_reads import DriverWrite
from courses.quizzes import GradedQuiz, Recorded
from gamification.engagement.service import reporting
from gamification.ledger.queries import balances_of, expiring_before
from gamification.rewards.service import Reward, RewardPolicy, Wallet, streak_of, wallet_of

# Built once: every quiz attempt is this one call, a unit of work of its own.
_SUBMIT = DriverWrite(
    sa.text(
        "SELECT attempts_used, first_pass, first_perfect, rewards, streak_current, "
        "streak_longest, streak_freezes, streak_last_active_on, streak_run_started_on, points, "
        "xp, expiring_points, expiring_at FROM quiz_attempt_submit(:user_id, :lesson_id, "
        ":course_id, :course_slug, :version_id, :cap, :attempt_id, :answers, :correct, :score, "
        ":max_score, :passed, :known_passed, :known_perfect, :now, :day, :cap_day, :daily_cap, "
        ":lot_days, :expiring_before, :daily_quests, :highest_tier, :cohort_size)"
    )
    .bindparams(
        sa.bindparam("answers", type_=JSONB), sa.bindparam("correct", type_=ARRAY(sa.Text()))
    )
    .columns(rewards=JSONB)
)


@dataclass(frozen=True)
class PaidAttempt:
    recorded: Recorded
    rewards: list[Reward]  # the rules' (quiz_passed, quiz_perfect, streak_N), then quests'
    wallet: Wallet | None  # None when the attempt was not recorded


async def submit_quiz_attempt(
    db: AsyncSession,
    graded: GradedQuiz,
    *,
    user_id: uuid.UUID,
    timezone: str | None,
    now: datetime,
    daily_attempts: int,
    policy: RewardPolicy,
) -> PaidAttempt:
    """Record the attempt against today's allowance (business days, like the caps) and pay
    what it earns; the learner's day (`timezone`) counts for the streak, passed or not. The
    multipliers come from the campaigns in the database, whatever `policy.multipliers` says."""
    engagement = reporting(timezone=timezone, now=now, payout=policy.payout)
    params = graded.record_params(user_id=user_id, cap=daily_attempts) | engagement.params()
    params |= {
        "course_slug": graded.context.course_slug,
        "now": now,
        "expiring_before": expiring_before(now),
    }
    rows = await _SUBMIT.all(db, **params)
    (row,) = rows
    recorded = Recorded(row.attempts_used, bool(row.first_pass), bool(row.first_perfect))
    if row.attempts_used is None:
        return PaidAttempt(recorded, [], None)
    wallet = wallet_of(balances_of(row), streak_of(row), engagement.day)
    return PaidAttempt(recorded, _rewards(row.rewards), wallet)


def _rewards(items: list[dict[str, Any]]) -> list[Reward]:
    return [
        Reward(item["kind"], int(item["points"]), int(item["xp"]), item["reason"]) for item in items
    ]
