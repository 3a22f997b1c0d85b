"""The outcomes rollup: folds the activity events into the month-grained tables the measures
read (migration 0028), run daily by the `outcomes.rollup` job and by `investquest outcomes
rebuild --since DAY`.

A run recomputes whole months, from the month holding its watermark less `LATE_MARGIN` (or the
month of `since`) to the current one, each month in its own transaction (delete, then insert
from the events), so a run is idempotent, an interrupted run is redone by the next, and events
committed late (a transaction open across the watermark) are counted when their month is
recomputed. Each transaction first locks the watermark row, so two runs never interleave inside
a month. The first run, or a run after the business zone changed, recomputes everything.

Events backdated by more than `LATE_MARGIN` (a broker fact reported late) are counted by the
next rebuild that covers their month.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gamification.outcomes import rollup_learning as learning
from gamification.outcomes import rollup_sql as q
from gamification.outcomes.months import add_months, each_month, local_month, month_start

LATE_MARGIN = timedelta(days=2)
EVER = datetime.min.replace(tzinfo=UTC)
RETENTION_MONTHS = 3  # a cohort's figures change while its third month is recomputed
# Every transaction of a run first lifts the engine's statement timeout (15 s for requests and
# jobs alike): at a million users the first run's funnel rows (one insert of every user) and a
# month's fold (millions of events) take longer. A fold groups millions of events (a month at
# 50 million a year: 9.5 million into 5 million user-kind groups): with the default 4 MB of
# work_mem its hash aggregates spilled to disk in some seventy batches (one month 64 s, mostly
# temp I/O); with 256 MB, in memory. No JIT: compiling costs seconds a statement, and a
# statement a month adds up in a rebuild.
_RUN_SETTINGS = sa.text(
    "SELECT set_config('statement_timeout', '600s', true), set_config('work_mem', '256MB', true),"
    " set_config('jit', 'off', true)"
)
_LOCK_STATE = sa.text(
    "SELECT covered_until, zone FROM outcome_rollup_state WHERE id = 1 FOR UPDATE"
)


@dataclass(frozen=True)
class RollupRun:
    first_month: date
    months: int
    covered_until: datetime
    full: bool


async def roll_up(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    zone: ZoneInfo,
    since: date | None = None,
) -> RollupRun:
    """Recompute from the watermark (or from `since`'s month) to `now`."""
    async with sessionmaker.begin() as db:
        await db.execute(_RUN_SETTINGS)
        first, full = await _start(db, now=now, zone=zone, since=since)
    months = list(each_month(first, now.astimezone(zone).date()))
    for month in months:
        async with sessionmaker.begin() as db:
            await db.execute(_RUN_SETTINGS)
            await db.execute(_LOCK_STATE)
            await _fold_month(db, month, zone)
    async with sessionmaker.begin() as db:
        await db.execute(_RUN_SETTINGS)
        await db.execute(_LOCK_STATE)
        await _finish(db, first=first, now=now, zone=zone, full=full)
    return RollupRun(first_month=first, months=len(months), covered_until=now, full=full)


async def _start(
    db: AsyncSession, *, now: datetime, zone: ZoneInfo, since: date | None
) -> tuple[date, bool]:
    """The first month to recompute, with the funnel rows made ready for it: new users added,
    and steps first reached from that month on forgotten (the months find them again)."""
    # The migration writes the row; a database emptied table by table may have lost it.
    await db.execute(
        sa.text("INSERT INTO outcome_rollup_state (id) VALUES (1) ON CONFLICT DO NOTHING")
    )
    covered_until, zone_used = (await db.execute(_LOCK_STATE)).one()
    full = covered_until is None or zone_used != zone.key
    if full:
        earliest = await db.scalar(q.FIRST_SIGN_UP) or now
        first = local_month(earliest, zone)
        await db.execute(q.CLEAR_ALL)
        users_since = EVER
    else:
        resume = covered_until - LATE_MARGIN
        first = local_month(resume, zone)
        users_since = resume
        if since is not None:
            first = min(first, since.replace(day=1))
    await db.execute(q.ADD_USERS, {"zone": zone.key, "since": users_since})
    await db.execute(q.FORGET_FIRSTS_FROM, {"starts": month_start(first, zone)})
    return first, full


async def _fold_month(db: AsyncSession, month: date, zone: ZoneInfo) -> None:
    for statement in q.CLEAR_MONTH:
        await db.execute(statement, {"month": month})
    await db.execute(
        q.FOLD_MONTH,
        {
            "month": month,
            "starts": month_start(month, zone),
            "ends": month_start(add_months(month, 1), zone),
        },
    )


async def _finish(
    db: AsyncSession, *, first: date, now: datetime, zone: ZoneInfo, full: bool
) -> None:
    """The funnel by sign-up day, the cohorts the recomputed months touch, the contest entries
    whose learning figures may have changed, the watermark."""
    for statement in q.REFRESH_FUNNEL:
        await db.execute(statement)
    since = EVER if full else month_start(first, zone)
    changed = {"since": since, "slug": learning.COURSE_SLUG}
    await db.execute(learning.CLEAR, changed)
    await db.execute(learning.FILL, changed)
    moved = (await db.scalars(q.MOVED_COHORTS, {"zone": zone.key, "month": first})).all()
    last = local_month(now, zone)
    cohorts = {*each_month(add_months(first, -RETENTION_MONTHS), last), *moved}
    params = {"zone": zone.key, "months": sorted(cohorts)}
    await db.execute(q.CLEAR_COHORTS, params)
    await db.execute(q.FILL_COHORTS, params)
    await db.execute(
        sa.text(
            "UPDATE outcome_rollup_state SET covered_until = :now, zone = :zone, rolled_at = :now"
            " WHERE id = 1"
        ),
        {"now": now, "zone": zone.key},
    )
