"""What a periodic job is: a name, a schedule and a body (see `api.jobs`)."""

from dataclasses import dataclass

from api.jobs import JobFunction
from api.scheduler.schedules import Schedule


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    description: str
    schedule: Schedule
    run: JobFunction
