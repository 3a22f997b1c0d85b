"""Paying a contest's reward events through the rule table, in the request's transaction."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.business_metrics import POINTS_EARNED, count_on_commit
from api.rewards.wallets import reward_policy
from api.settings import Settings
from gamification.rewards.rules import RewardEvent
from gamification.rewards.service import award_for_events


async def pay_contest_rewards(
    db: AsyncSession,
    caller: Caller,
    settings: Settings,
    events: Sequence[RewardEvent],
    *,
    now: datetime,
) -> None:
    """Contest events are not learning: they do not count the day for the streak."""
    if not events:
        return
    rewards, _ = await award_for_events(
        db,
        user_id=caller.user_id,
        timezone=caller.timezone,
        events=events,
        now=now,
        policy=reward_policy(settings),
        active=False,
    )
    count_on_commit(db, POINTS_EARNED, sum(reward.points for reward in rewards))
