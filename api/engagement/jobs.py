"""The engagement's periodic job bodies: the league week close, and counting the events the
value-moving statements left in the outbox (`gamification.engagement.outbox`)."""

import logging
import time
import uuid

from prometheus_client import Counter

from api.jobs import JobContext
from gamification.engagement.outbox import DRAIN_FAILURES, drain, pending_learners
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
logger = logging.getLogger(__name__)
# What an alert watches: events that stay pending firing after firing (until the fault in what
# they pay is fixed) are logged each time, and counted here, so a rise above 0 is seen.
STUCK_DRAINS = Counter(
    "investquest_engagement_stuck_drains_total",
    "Learners whose pending engagement events a drain could not count (left pending)",
)


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
    outbox is empty or the firing's budget is spent. A batch that fails is retried learner by
    learner, so one learner's events that cannot be counted (logged as errors, left pending)
    do not hold back everyone else's."""
    deadline = time.monotonic() + DRAIN_BUDGET_SECONDS
    drained = batches = 0
    stuck: set[uuid.UUID] = set()
    while True:
        try:
            async with ctx.sessionmaker.begin() as db:
                taken = await drain(db, user_id=None, limit=DRAIN_BATCH)
        except DRAIN_FAILURES:
            logger.exception("an engagement outbox batch failed; draining learner by learner")
            taken, failed = await _drain_each_learner(ctx, skip=stuck)
            stuck |= failed
            if not taken:
                break
        drained += taken
        batches += 1
        if taken < DRAIN_BATCH or time.monotonic() >= deadline:
            break
    left = f"; {len(stuck)} learners' events could not be counted" if stuck else ""
    return f"counted {drained} engagement events from the outbox in {batches} batches{left}"


async def _drain_each_learner(
    ctx: JobContext, *, skip: set[uuid.UUID]
) -> tuple[int, set[uuid.UUID]]:
    """Drain the pending learners one by one, each in its own transaction: how many events were
    counted, and the learners whose drain failed (their events stay pending)."""
    async with ctx.sessionmaker() as db:
        learners = await pending_learners(db, limit=DRAIN_BATCH + len(skip))
    taken, failed = 0, set[uuid.UUID]()
    for user_id in learners:
        if user_id in skip:
            continue
        try:
            async with ctx.sessionmaker.begin() as db:
                taken += await drain(db, user_id=user_id, limit=DRAIN_BATCH)
        except DRAIN_FAILURES:
            logger.exception(
                "a learner's engagement events could not be counted",
                extra={"user_id": str(user_id)},
            )
            failed.add(user_id)
            STUCK_DRAINS.inc()
    return taken, failed
