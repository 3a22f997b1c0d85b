"""Rewards for the learning routes: paid in the route's own transaction, shaped for the API."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.business_metrics import POINTS_EARNED, count_on_commit
from api.rewards.reasons import reason_text, reason_titles
from api.rewards.schemas import RewardOut, StreakOut, WalletOut
from api.rewards.wallets import reward_policy, wallet_out
from api.settings import Settings
from courses.events import LearningEvent
from courses.quizzes import QuizOutcome
from courses.titles import Titles
from gamification.rewards.quizzes import submit_quiz_attempt
from gamification.rewards.service import Reward, award_for_events, streak_view


async def pay_rewards(
    db: AsyncSession,
    caller: Caller,
    settings: Settings,
    events: Sequence[LearningEvent],
    *,
    now: datetime,
    locale: str,
    active: bool | None = None,
) -> tuple[list[RewardOut], WalletOut]:
    """Pay for the events (and count the learner's day when `active`); the rewards with
    their reason in `locale`, and the wallet after them."""
    # Campaign multipliers (from the policy) scale the rules' points before the daily caps
    # take their share.
    rewards, wallet = await award_for_events(
        db,
        user_id=caller.user_id,
        timezone=caller.timezone,
        events=events,
        now=now,
        policy=reward_policy(settings),
        active=active,
    )
    titles = await reason_titles(db, (r.reason for r in rewards), locale=locale)
    return _rewards_out(db, rewards, locale=locale, titles=titles), wallet_out(wallet)


async def pay_quiz_attempt(
    db: AsyncSession,
    caller: Caller,
    settings: Settings,
    lesson_id: uuid.UUID,
    answers: Mapping[str, Sequence[str]],
    *,
    now: datetime,
    locale: str,
) -> tuple[QuizOutcome, list[RewardOut], WalletOut]:
    """Grade the answers, record the attempt and pay what it earns, in one statement: its
    outcome, the rewards with their reason in `locale` (the quiz's course named by the title
    read with the lesson), and the wallet after them. QuizAttemptsExhausted when today's are
    spent; the lesson's and the answers' own refusals (not found, locked, invalid) first."""
    graded, paid = await submit_quiz_attempt(
        db,
        lesson_id,
        answers,
        user_id=caller.user_id,
        risk_profile=caller.risk_profile,
        locale=locale,
        timezone=caller.timezone,
        now=now,
        daily_attempts=settings.quiz_daily_attempts,
        policy=reward_policy(settings),
    )
    outcome = graded.outcome(
        paid.recorded,
        user_id=caller.user_id,
        timezone=settings.business_timezone,  # attempt days are business days, like caps
        now=now,
        daily_attempts=settings.quiz_daily_attempts,
    )
    assert paid.wallet is not None  # recorded, so paid
    content = graded.context.content
    course_title = content.course_title if content else None
    titles = Titles(courses={graded.context.course_slug: course_title} if course_title else {})
    return (
        outcome,
        _rewards_out(db, paid.rewards, locale=locale, titles=titles),
        wallet_out(paid.wallet),
    )


def _rewards_out(
    db: AsyncSession, rewards: Sequence[Reward], *, locale: str, titles: Titles
) -> list[RewardOut]:
    """The rewards with their reason in `locale`, counted as earned when `db` commits."""
    count_on_commit(db, POINTS_EARNED, sum(r.points for r in rewards))
    return [
        RewardOut(
            r.kind, r.points, r.xp, reason_text(r.reason, kind="earn", locale=locale, titles=titles)
        )
        for r in rewards
    ]


async def streak_out(
    db: AsyncSession, caller: Caller, settings: Settings, *, now: datetime
) -> StreakOut:
    view = await streak_view(
        db,
        user_id=caller.user_id,
        timezone=caller.timezone,
        now=now,
        policy=reward_policy(settings),
    )
    return StreakOut(view.current, view.longest, view.freezes)
