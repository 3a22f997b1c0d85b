"""Rewards for the learning routes: paid in the route's own transaction, shaped for the API."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.business_metrics import POINTS_EARNED, count_on_commit
from api.rewards.reasons import reason_text, reason_titles
from api.rewards.schemas import ExpiringPointsOut, RewardOut, StreakOut, WalletOut
from api.settings import Settings
from courses.events import LearningEvent
from gamification.rewards.service import RewardPolicy, Wallet, award_for_events, streak_view


def reward_policy(settings: Settings) -> RewardPolicy:
    """The rules' knobs from settings. Campaign multipliers (a later issue) plug in here."""
    return RewardPolicy(
        daily_points_cap=settings.rewards_daily_points_cap,
        lot_days=settings.points_expiry_days,
        business_timezone=settings.business_timezone,
    )


def wallet_out(wallet: Wallet) -> WalletOut:
    return WalletOut(
        points=wallet.points,
        xp=wallet.xp,
        level=wallet.level,
        xp_to_next_level=wallet.xp_to_next_level,
        streak=StreakOut(wallet.streak.current, wallet.streak.longest, wallet.streak.freezes),
        points_expiring=[ExpiringPointsOut(points, at) for points, at in wallet.points_expiring],
    )


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
