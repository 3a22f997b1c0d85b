"""Every periodic job of every domain, in one list: what `serve` schedules and `jobs` lists."""

from datetime import time

from api.campaigns.jobs import CAMPAIGN_TICK_PERIOD_SECONDS, tick_campaigns_job
from api.contests.contest_jobs import create_next_monthly_contests
from api.contests.market_jobs import prune_old_minute_bars, tick_market
from api.contests.standings_jobs import (
    FINALISE_PERIOD_SECONDS,
    finalise_contests,
    refresh_all_standings,
    snapshot_equities,
)
from api.engagement.jobs import (
    DRAIN_PERIOD_SECONDS,
    close_league_weeks,
    drain_engagement_outbox,
)
from api.idempotency import purge_idempotency_keys
from api.outcomes.jobs import add_activity_partitions
from api.outcomes.rollup_job import roll_up_outcomes
from api.rewards.jobs import expire_points, forget_old_cap_counters, reconcile_ledger
from api.scheduler.jobs import PeriodicJob
from api.scheduler.schedules import DailyAt, Every, WeeklyAt
from api.settings import Settings
from api.vouchers.jobs import expire_vouchers

# A job's period is the job's own, never a replica's setting: replicas claim a firing by its
# (job, slot) row, so they must all compute the same slots.
IDEMPOTENCY_PURGE_PERIOD_SECONDS = 300


def all_jobs(settings: Settings) -> list[PeriodicJob]:
    return [
        PeriodicJob(
            name="idempotency.purge",
            description="Forget Idempotency-Key records past their retention",
            schedule=Every(seconds=IDEMPOTENCY_PURGE_PERIOD_SECONDS),
            run=purge_idempotency_keys,
        ),
        PeriodicJob(
            name="ledger.expire-points",
            description="Expire what is left of points lots past their expiry",
            schedule=DailyAt(time(0, 5), settings.timezone),
            run=expire_points,
        ),
        PeriodicJob(
            name="ledger.check",
            description="Reconcile the ledger and log every break",
            schedule=DailyAt(time(3, 0), settings.timezone),
            run=reconcile_ledger,
        ),
        PeriodicJob(
            name="rewards.forget-cap-counters",
            description="Delete daily points-cap counters older than a week",
            schedule=DailyAt(time(4, 0), settings.timezone),
            run=forget_old_cap_counters,
        ),
        PeriodicJob(
            name="vouchers.expire",
            description="Mark issued vouchers past their expiry as expired",
            schedule=DailyAt(time(0, 10), settings.timezone),
            run=expire_vouchers,
        ),
        PeriodicJob(
            name="contests.market-tick",
            description="Move the market's prices and match the resting limit orders they cross",
            # MARKET_TICK_SECONDS: a setting that must be equal on every replica.
            schedule=Every(seconds=settings.market_tick_seconds),
            run=tick_market,
        ),
        PeriodicJob(
            name="contests.refresh-standings",
            description="Rebuild the standings of every running contest",
            # LEADERBOARD_REFRESH_SECONDS: a setting that must be equal on every replica.
            schedule=Every(seconds=settings.leaderboard_refresh_seconds),
            run=refresh_all_standings,
        ),
        PeriodicJob(
            name="contests.snapshot-equity",
            description="Write each contest entry's equity at the market close (trading days)",
            schedule=DailyAt(time(15, 5), settings.timezone),
            run=snapshot_equities,
        ),
        PeriodicJob(
            name="contests.prune-minute-bars",
            description="Delete one-minute bars older than MARKET_MINUTE_BAR_RETENTION_DAYS",
            schedule=DailyAt(time(2, 30), settings.timezone),
            run=prune_old_minute_bars,
        ),
        PeriodicJob(
            name="contests.create-monthly",
            description="Create the coming month's contest from the seed's monthly template",
            schedule=DailyAt(time(8, 0), settings.timezone),
            run=create_next_monthly_contests,
        ),
        PeriodicJob(
            name="contests.finalise",
            description="Freeze ended contests' standings, pay prizes, write report cards",
            schedule=Every(seconds=FINALISE_PERIOD_SECONDS),
            run=finalise_contests,
        ),
        PeriodicJob(
            name="leagues.close-week",
            description="Close last week's league cohorts: promotions, demotions, leaders' prizes",
            schedule=WeeklyAt(0, time(0, 0), settings.timezone),  # Monday 00:00
            run=close_league_weeks,
        ),
        PeriodicJob(
            name="engagement.drain",
            description="Count the vouchers redeemed and practice orders left in the outbox",
            schedule=Every(seconds=DRAIN_PERIOD_SECONDS),
            run=drain_engagement_outbox,
        ),
        PeriodicJob(
            name="outcomes.partitions",
            description="Create the activity event log's monthly partitions 24 months ahead",
            schedule=DailyAt(time(1, 30), settings.timezone),
            run=add_activity_partitions,
        ),
        PeriodicJob(
            name="campaigns.tick",
            description="Claim due campaign runs and deliver them in chunks (any replica)",
            schedule=Every(seconds=CAMPAIGN_TICK_PERIOD_SECONDS),
            run=tick_campaigns_job,
        ),
        PeriodicJob(
            name="outcomes.rollup",
            description="Fold the activity events into the outcomes measures' monthly tables",
            schedule=DailyAt(time(1, 30), settings.timezone),
            run=roll_up_outcomes,
        ),
    ]


def find_job(settings: Settings, name: str) -> PeriodicJob | None:
    return next((job for job in all_jobs(settings) if job.name == name), None)
