"""The outcomes' periodic job: the activity event log's months, created ahead."""

from api.jobs import JobContext
from gamification.outcomes.partitions import add_partitions


async def add_activity_partitions(ctx: JobContext) -> str:
    async with ctx.sessionmaker.begin() as db:
        added = await add_partitions(db, today=ctx.clock.now().date())
    return f"added {added} activity_event partitions"
