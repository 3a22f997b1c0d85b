"""Rewards for the learning routes: paid in the route's own transaction, shaped for the API."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.business_metrics import POINTS_EARNED, count_on_commit
from api.rewards.reasons import reason_text, reason_titles
from api.rewards.schemas import RewardOut, StreakOut, WalletOut
from api.rewards.wallets import reward_policy, wallet_out
from api.settings import Settings
from courses.events import LearningEvent
from gamification.rewards.service import award_for_events, streak_view


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
    count_on_commit(db, POINTS_EARNED, sum(r.points for r in rewards))
    titles = await reason_titles(db, (r.reason for r in rewards), locale=locale)
    return [
        RewardOut(
            r.kind, r.points, r.xp, reason_text(r.reason, kind="earn", locale=locale, titles=titles)
        )
        for r in rewards
    ], wallet_out(wallet)


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
