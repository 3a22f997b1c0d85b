"""Reporting events no reward rule pays for (a practice order, a voucher redeemed, a post read)
to the quests, badges and league, in the route's own transaction."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.settings import Settings
from gamification.engagement.service import Payout, record_event


def engagement_payout(settings: Settings) -> Payout:
    return Payout(
        daily_points_cap=settings.rewards_daily_points_cap,
        lot_days=settings.points_expiry_days,
        business_timezone=settings.business_timezone,
    )


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
        payout=engagement_payout(settings),
    )
