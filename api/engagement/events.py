"""Reporting events no reward rule pays for (a post read) to the quests, badges and league, in
the route's own transaction; a practice order and a voucher redeemed go through the engagement
outbox instead (`gamification.engagement.outbox`)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.rewards.wallets import reward_policy
from api.settings import Settings
from gamification.engagement.service import Reporting, record_event, reporting


async def report_event(
    db: AsyncSession,
    caller: Caller,
    settings: Settings,
    *,
    kind: str,
    reference: str,
    now: datetime,
) -> None:
    """Count the caller's event once per reference (quests it completes are paid now)."""
    await record_event(
        db,
        user_id=caller.user_id,
        kind=kind,
        reference=reference,
        timezone=caller.timezone,
        now=now,
        payout=reward_policy(settings).payout,
    )


def reporting_of(caller: Caller, settings: Settings, now: datetime) -> Reporting:
    """The knobs a redemption (inside `voucher_redeem`) or an order (inside
    `contest_place_order_reported`) reports its event under."""
    return reporting(timezone=caller.timezone, now=now, payout=reward_policy(settings).payout)
