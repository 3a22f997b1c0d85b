"""The monthly contest job: the coming month's contest from the `month` templates of
`seed/contests.yaml`, created ahead of its start (and this month's, if it is missing)."""

from api.contests.contest_seed import create_monthly_contests
from api.jobs import JobContext
from api.seed import SEED_DIR
from gamification.contests.calendar import market_calendar


async def create_next_monthly_contests(ctx: JobContext) -> str:
    now = ctx.clock.now()
    async with ctx.sessionmaker.begin() as db:
        created = await create_monthly_contests(db, SEED_DIR, now=now, calendar=market_calendar())
    return f"{created} monthly contests created"
