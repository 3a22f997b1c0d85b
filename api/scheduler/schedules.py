"""When a job fires, and which firing ("slot") a moment belongs to: pure and replica-independent.

Every replica computes the same slot for the same moment, so a unique (job, slot) row decides
which replica runs it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Every:
    """Fires every `seconds`, aligned to a fixed epoch so all replicas agree on the slots."""

    seconds: int

    def slot(self, now: datetime) -> datetime:
        elapsed = int((now - EPOCH).total_seconds())
        return EPOCH + timedelta(seconds=elapsed - elapsed % self.seconds)

    def trigger(self) -> BaseTrigger:
        return IntervalTrigger(seconds=self.seconds, start_date=EPOCH, timezone=UTC)

    def describe(self) -> str:
        return f"every {self.seconds}s"


@dataclass(frozen=True)
class DailyAt:
    """Fires once a day at a wall-clock time in a time zone (the business time zone)."""

    at: time
    timezone: ZoneInfo

    def slot(self, now: datetime) -> datetime:
        local = now.astimezone(self.timezone)
        today = datetime.combine(local.date(), self.at, tzinfo=self.timezone)
        latest = today if today <= local else today - timedelta(days=1)
        return latest.astimezone(UTC)

    def trigger(self) -> BaseTrigger:
        return CronTrigger(hour=self.at.hour, minute=self.at.minute, timezone=self.timezone)

    def describe(self) -> str:
        return f"daily at {self.at:%H:%M} {self.timezone.key}"


@dataclass(frozen=True)
class WeeklyAt:
    """Fires once a week on a weekday (0 is Monday) at a wall-clock time in a time zone."""

    weekday: int
    at: time
    timezone: ZoneInfo

    def slot(self, now: datetime) -> datetime:
        local = now.astimezone(self.timezone)
        day = local.date() - timedelta(days=(local.weekday() - self.weekday) % 7)
        latest = datetime.combine(day, self.at, tzinfo=self.timezone)
        if latest > local:
            latest = datetime.combine(day - timedelta(days=7), self.at, tzinfo=self.timezone)
        return latest.astimezone(UTC)

    def trigger(self) -> BaseTrigger:
        return CronTrigger(
            day_of_week=self.weekday,
            hour=self.at.hour,
            minute=self.at.minute,
            timezone=self.timezone,
        )

    def describe(self) -> str:
        weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[self.weekday]
        return f"weekly on {weekday} at {self.at:%H:%M} {self.timezone.key}"


Schedule = Every | DailyAt | WeeklyAt
