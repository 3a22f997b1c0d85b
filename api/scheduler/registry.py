"""Every periodic job of every domain, in one list: what `serve` schedules and `jobs` lists."""

from api.idempotency import purge_idempotency_records, retention_cutoff
from api.scheduler.jobs import JobContext, PeriodicJob
from api.scheduler.schedules import Every
from api.settings import Settings


async def purge_idempotency_keys(ctx: JobContext) -> str:
    cutoff = retention_cutoff(ctx.clock.now(), ctx.settings.idempotency_retention_hours)
    async with ctx.sessionmaker.begin() as db:
        purged = await purge_idempotency_records(db, older_than=cutoff)
    return f"purged {purged} idempotency records older than {cutoff.isoformat()}"


def all_jobs(settings: Settings) -> list[PeriodicJob]:
    return [
        PeriodicJob(
            name="idempotency.purge",
            description="Forget Idempotency-Key records past their retention",
            schedule=Every(seconds=settings.scheduler_tick_seconds),
            run=purge_idempotency_keys,
        ),
    ]


def find_job(settings: Settings, name: str) -> PeriodicJob | None:
    return next((job for job in all_jobs(settings) if job.name == name), None)
