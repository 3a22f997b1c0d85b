"""The outcomes rollup as a daily job, and its one-line summary (shared with the rebuild
command)."""

from api.jobs import JobContext
from gamification.outcomes.rollup import RollupRun, roll_up


def summary(run: RollupRun) -> str:
    scope = "everything (first run or new zone)" if run.full else f"{run.months} months"
    return (
        f"rolled up {scope} from {run.first_month:%Y-%m}, "
        f"events until {run.covered_until.isoformat(timespec='seconds')}"
    )


async def roll_up_outcomes(ctx: JobContext) -> str:
    run = await roll_up(ctx.sessionmaker, now=ctx.clock.now(), zone=ctx.settings.timezone)
    return summary(run)
