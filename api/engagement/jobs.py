"""The engagement's periodic job bodies: the league week close, and counting the events the
value-moving statements left in the outbox (`gamification.engagement.outbox`)."""

import time

from api.jobs import JobContext
from gamification.engagement.outbox import drain
from gamification.leagues.closing import close_past_weeks
from gamification.leagues.weeks import week_start

# The outbox's period: how long another learner's redemption or order may take to show on the
# boards and badges (the learner's own reads drain theirs first).
DRAIN_PERIOD_SECONDS = 5
# Events per transaction: the learners' engagement rows stay locked until it commits, so a
# batch stays short (about 0.1 s) next to their own requests.
DRAIN_BATCH = 200
# A firing stops starting batches after this, inside its period; the rest waits for the next.
DRAIN_BUDGET_SECONDS = 4.0


async def close_league_weeks(ctx: JobContext) -> str:
    """Close every unclosed week before this one (this week's Monday, business zone)."""
    now = ctx.clock.now()
    current = week_start(now, ctx.settings.business_timezone)
    done = await close_past_weeks(
        ctx.sessionmaker, current_week=current, now=now, lot_days=ctx.settings.points_expiry_days
    )
    return (
        f"closed {done.weeks} league weeks before the week of {current}: "
        f"{done.members} results, {done.prizes} prizes paid"
    )


async def drain_engagement_outbox(ctx: JobContext) -> str:
    """Count pending events in batches of DRAIN_BATCH, each its own transaction, until the
    outbox is empty or the firing's budget is spent."""
    deadline = time.monotonic() + DRAIN_BUDGET_SECONDS
    drained = batches = 0
    while True:
        async with ctx.sessionmaker.begin() as db:
            taken = await drain(db, user_id=None, limit=DRAIN_BATCH)
        drained += taken
        batches += 1
        if taken < DRAIN_BATCH or time.monotonic() >= deadline:
            break
    return f"counted {drained} engagement events from the outbox in {batches} batches"
