"""The campaign tick: claims due occurrences and delivers unfinished runs (gamification/
campaigns/tick.py), on whichever replica gets the slot; chunks are shared across replicas."""

from datetime import datetime

from api.jobs import JobContext
from api.rewards.wallets import reward_policy
from api.settings import Settings
from gamification.campaigns.deliveries import DeliveryPolicy
from gamification.campaigns.runs import TickContext
from gamification.campaigns.segment_sql import SegmentContext
from gamification.campaigns.tick import tick_campaigns
from gamification.contests.calendar import market_calendar

# The tick's own period, equal on every replica by construction.
CAMPAIGN_TICK_PERIOD_SECONDS = 30


def campaign_tick_context(settings: Settings, now: datetime) -> TickContext:
    """What a campaign tick at `now` runs with, from the settings (the bench builds its runs
    with this too, so it measures the configuration a deployment runs)."""
    return TickContext(
        now=now,
        segments=SegmentContext(now=now, business_zone=settings.timezone),
        calendar=market_calendar(),
        delivery=DeliveryPolicy(
            messages_per_day=settings.campaign_messages_per_day,
            lot_days=reward_policy(settings).lot_days,
        ),
        chunk_size=settings.campaign_chunk_size,
        delivery_rate=settings.campaign_delivery_rate,
        chunk_workers=settings.campaign_chunk_workers,
        chunk_budget=settings.campaign_chunk_budget_ms / 1000,
        delivery_nice=settings.campaign_delivery_nice,
    )


def tick_context(ctx: JobContext) -> TickContext:
    return campaign_tick_context(ctx.settings, ctx.clock.now())


async def tick_campaigns_job(ctx: JobContext) -> str:
    return str(await tick_campaigns(ctx.sessionmaker, tick_context(ctx)))
