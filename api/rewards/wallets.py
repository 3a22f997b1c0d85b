"""The wallet as every area shows it: the rules' knobs from settings and the API shape.

Other areas (learning, vouchers) reach the rewards area through this module, `awards.py`
and `schemas.py` only.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.rewards.schemas import ExpiringPointsOut, StreakOut, WalletOut
from api.settings import Settings
from core.days import local_day
from gamification.campaigns.multipliers import campaign_multiplier
from gamification.ledger.queries import balances_of
from gamification.rewards.service import RewardPolicy, Wallet, streak_of, wallet, wallet_of


def reward_policy(settings: Settings) -> RewardPolicy:
    """The rules' knobs from settings, with the campaigns' multipliers: every area pays its
    rewards under this policy, so a points multiplier campaign reaches every rule it names
    and quests, whichever route or job pays them."""
    return RewardPolicy(
        daily_points_cap=settings.rewards_daily_points_cap,
        lot_days=settings.points_expiry_days,
        business_timezone=settings.business_timezone,
        multipliers=campaign_multiplier,
    )


def wallet_out(held: Wallet) -> WalletOut:
    return WalletOut(
        points=held.points,
        xp=held.xp,
        level=held.level,
        xp_to_next_level=held.xp_to_next_level,
        streak=StreakOut(held.streak.current, held.streak.longest, held.streak.freezes),
        points_expiring=[ExpiringPointsOut(points, at) for points, at in held.points_expiring],
    )


async def caller_wallet(
    db: AsyncSession, caller: Caller, settings: Settings, now: datetime
) -> WalletOut:
    """The caller's wallet as it stands now in this transaction."""
    held = await wallet(
        db,
        user_id=caller.user_id,
        timezone=caller.timezone,
        now=now,
        policy=reward_policy(settings),
    )
    return wallet_out(held)


def caller_today(caller: Caller, settings: Settings, now: datetime) -> date:
    """The caller's day at `now`, which their streak is shown as of."""
    return local_day(now, caller.timezone, settings.business_timezone)


def wallet_on(row: Any, today: date) -> WalletOut:
    """The wallet from columns a write returned with its own work (`ledger_balances`' and the
    streak row's as `streak_*`), as `caller_wallet` would read it, its streak as of `today`."""
    return wallet_out(wallet_of(balances_of(row), streak_of(row), today))
