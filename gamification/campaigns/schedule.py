"""When a campaign runs, and when a message may reach a learner. Pure: no database.

A campaign runs once at `at`, or at each firing of a cron expression read in a named IANA
zone (APScheduler's `CronTrigger`, so daylight-saving changes are the zone's own; weekdays
numbered as cron numbers them, see `crontab.py`), between `starts_at` and `ends_at`;
optionally only on days the exchanges open. A `lifecycle` trigger
runs in fixed slots (each sign-up anniversary falls in exactly one); an `index_drop` trigger
runs when the index falls, at most once per trading day. Quiet hours hold messages from 22:00
to 08:00 in the learner's own zone.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from gamification.campaigns.crontab import cron_trigger
from gamification.contests.calendar import TradingCalendar

LIFECYCLE_SLOT = timedelta(minutes=15)
QUIET_FROM = time(22, 0)
QUIET_UNTIL = time(8, 0)
# A closed-days skip looks this many firings ahead (a cron firing every minute over a
# nine-day holiday needs ~13,000): beyond it the schedule is treated as never firing.
MAX_SKIPPED_FIRINGS = 20_000


def zone_problem(name: str) -> str | None:
    if name not in available_timezones():
        return "not an IANA time zone (such as Asia/Shanghai)"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "not an IANA time zone (such as Asia/Shanghai)"
    return None


def cron_problem(expression: str, zone: str) -> str | None:
    try:
        cron_trigger(expression, zone)
    except ValueError as exc:
        return f"not a cron expression (minute hour day month weekday): {exc}"
    return None


@dataclass(frozen=True)
class Schedule:
    """A campaign's timing. Exactly one of `at`, `cron`, `lifecycle` and `index_drop` drives
    it (the trigger ones have neither `at` nor `cron`)."""

    timezone: str
    starts_at: datetime
    ends_at: datetime | None = None
    at: datetime | None = None
    cron: str | None = None
    lifecycle: bool = False
    skip_closed_days: bool = False

    def first_run(self, now: datetime, calendar: TradingCalendar) -> datetime | None:
        """The first occurrence at or after max(now, starts_at), or None if there is none."""
        since = max(now, self.starts_at)
        if self.at is not None:
            return self.at if self._inside(self.at) else None
        if self.lifecycle:
            return _slot_after(since - timedelta(microseconds=1), self.ends_at)
        if self.cron is not None:
            return self._cron_from(since, calendar)
        return None  # index_drop: the market decides

    def after(
        self, occurrence: datetime, now: datetime, calendar: TradingCalendar
    ) -> datetime | None:
        """The next occurrence once `occurrence` has been claimed at `now`. Lifecycle slots
        follow one another (a missed slot is caught up: it holds sign-ups too); cron firings
        missed while no scheduler ran are skipped to the next one after now."""
        if self.lifecycle:
            return _slot_after(occurrence, self.ends_at)
        if self.cron is not None:
            return self._cron_from(max(occurrence + timedelta(seconds=1), now), calendar)
        return None

    def resumed(
        self, pending: datetime | None, now: datetime, calendar: TradingCalendar
    ) -> datetime | None:
        """The next occurrence of a campaign resumed at `now` whose `pending` one was due
        while it was paused. Cron firings missed while paused are skipped: only the next
        firing after now runs (a marketer who paused "every Monday 09:00" for two weeks does
        not want two Mondays' worth at once, nor one late). A one-off `at` still runs, late:
        it is the campaign's only occurrence. Lifecycle slots missed are caught up: each
        holds its own sign-ups, who would otherwise never get their welcome."""
        if self.cron is not None and pending is not None and pending <= now:
            return self._cron_from(now, calendar)
        return pending

    def _inside(self, moment: datetime) -> bool:
        return moment >= self.starts_at and (self.ends_at is None or moment < self.ends_at)

    def _cron_from(self, since: datetime, calendar: TradingCalendar) -> datetime | None:
        assert self.cron is not None
        trigger = cron_trigger(self.cron, self.timezone)
        moment = since
        for _ in range(MAX_SKIPPED_FIRINGS):
            fire: datetime | None = trigger.get_next_fire_time(None, moment)
            if fire is None or not self._inside(fire):
                return None
            if not self.skip_closed_days or calendar.is_trading_day(_exchange_day(fire, calendar)):
                return fire.astimezone(UTC)
            moment = fire + timedelta(seconds=1)
        return None


def _exchange_day(moment: datetime, calendar: TradingCalendar) -> date:
    return moment.astimezone(calendar.timezone).date()


def _slot_after(moment: datetime, ends_at: datetime | None) -> datetime | None:
    """The first slot boundary strictly after `moment` (slots are aligned to the epoch)."""
    seconds = int(LIFECYCLE_SLOT.total_seconds())
    epoch = int(moment.timestamp())
    boundary = datetime.fromtimestamp((epoch // seconds + 1) * seconds, UTC)
    return None if ends_at is not None and boundary >= ends_at else boundary


def lifecycle_window(slot: datetime) -> tuple[datetime, datetime]:
    """The sign-up anniversaries a lifecycle run at `slot` serves: [slot - SLOT, slot)."""
    return slot - LIFECYCLE_SLOT, slot


def held_until(moment: datetime, timezone: str) -> datetime | None:
    """When a message sent at `moment` may show, if that is in the learner's quiet hours
    (22:00 to 08:00 in their zone): 08:00 that morning; None when it may show at once."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone).astimezone(UTC)


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()
