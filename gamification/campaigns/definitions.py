"""What a marketer may define: a campaign's action, schedule and limits, checked without the
database. Every problem is reported with the path of the field at fault (`action.factor`,
`schedule.cron`), so one answer lists them all. `service.py` adds the checks that read the
database (the segment, the reward rules, the voucher product)."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.messages import MESSAGE_LOCALES
from gamification.campaigns.filters import Problems
from gamification.campaigns.inbox import BODY_MAX, TITLE_MAX, texts_problem
from gamification.campaigns.links import link_problem
from gamification.campaigns.schedule import Schedule, cron_problem, zone_problem
from gamification.campaigns.templates import template_problem
from gamification.contests.calendar import TradingCalendar

MAX_GRANT = 1_000_000
MAX_FACTOR = Decimal(3)
REASON_MAX = 200
MAX_DROP_PCT = Decimal(50)
MAX_SIGNUP_DAYS = 3650
ACTION_TYPES = ("grant_points", "points_multiplier", "voucher_drop", "message")


@dataclass(frozen=True)
class CampaignDraft:
    """A campaign as sent: the action as a plain mapping (checked here), the schedule's parts."""

    name: str
    segment_id: uuid.UUID
    action: dict[str, Any]
    timezone: str
    at: datetime | None = None
    cron: str | None = None
    skip_closed_days: bool = False
    trigger: dict[str, Any] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    budget_points: int | None = None
    quiet_hours: bool = True
    draft: bool = False


@dataclass
class Checked:
    """A draft that passed: the action to store, and the schedule it runs on."""

    action: dict[str, Any]
    schedule: Schedule
    problems: Problems = field(default_factory=list)


def check_draft(draft: CampaignDraft, *, now: datetime, calendar: TradingCalendar) -> Checked:
    problems: Problems = []
    action = _action(draft.action, problems)
    _budget(draft, problems)
    schedule = _schedule(draft, now, problems)
    timed = draft.trigger is None or (schedule is not None and schedule.lifecycle)
    if schedule is not None and not problems and timed:
        _fires(draft, schedule, now, calendar, problems)
    fallback = Schedule(timezone="UTC", starts_at=now)
    return Checked(action, schedule or fallback, problems)


def _texts(raw: Any, path: str, max_length: int, problems: Problems, *, template: bool) -> None:
    if not isinstance(raw, dict):
        problems.append((path, "must be an object with zh-CN and en texts"))
        return
    problem = texts_problem(raw, max_length=max_length)
    missing = [locale for locale in MESSAGE_LOCALES if locale not in raw]
    if problem is None and missing:
        problem = f"needs the {' and '.join(missing)} text"
    if problem is not None:
        problems.append((path, problem))
        return
    if template:
        for locale, text in raw.items():
            problem = template_problem(text)
            if problem is not None:
                problems.append((f"{path}.{locale}", problem))


def _action(raw: dict[str, Any], problems: Problems) -> dict[str, Any]:
    kind = raw.get("type")
    if kind not in ACTION_TYPES:
        problems.append(("action.type", f"must be one of {', '.join(ACTION_TYPES)}"))
        return raw
    if kind == "grant_points":
        points = raw.get("points")
        if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= MAX_GRANT:
            problems.append(("action.points", f"must be a whole number from 1 to {MAX_GRANT}"))
        _texts(raw.get("reason"), "action.reason", REASON_MAX, problems, template=False)
    elif kind == "points_multiplier":
        return _multiplier(raw, problems)
    elif kind == "message":
        _texts(raw.get("title"), "action.title", TITLE_MAX, problems, template=True)
        _texts(raw.get("body"), "action.body", BODY_MAX, problems, template=True)
        link = raw.get("link")
        if link is not None:
            problem = link_problem(str(link.get("kind")), str(link.get("id")))
            if problem is not None:
                problems.append(("action.link", problem))
    return raw


def _multiplier(raw: dict[str, Any], problems: Problems) -> dict[str, Any]:
    try:
        factor = Decimal(str(raw.get("factor")))
    except InvalidOperation:
        factor = Decimal("NaN")
    if not factor.is_finite() or not Decimal(1) < factor <= MAX_FACTOR:
        problems.append(("action.factor", f"must be above 1 and at most {MAX_FACTOR}"))
    elif factor != factor.quantize(Decimal("0.01")):
        problems.append(("action.factor", "must have at most 2 decimal places"))
    rules = raw.get("rules")
    if not isinstance(rules, list) or not rules or not all(isinstance(r, str) for r in rules):
        problems.append(("action.rules", "must list the reward rules it multiplies"))
    starts_at, ends_at = _moment(raw.get("starts_at")), _moment(raw.get("ends_at"))
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment is None:
            problems.append((f"action.{name}", "must be a time with its offset"))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems.append(("action.ends_at", "must be after action.starts_at"))
    if problems or starts_at is None or ends_at is None:
        return raw
    return {
        **raw,
        "factor": str(factor.quantize(Decimal("0.01"))),
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
    }


def _moment(value: Any) -> datetime | None:
    """A timezone-aware time, given as one or as its RFC 3339 text (as stored)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return None


def _budget(draft: CampaignDraft, problems: Problems) -> None:
    if draft.budget_points is None:
        return
    if draft.action.get("type") != "grant_points":
        problems.append(("budget_points", "a budget applies to grant_points campaigns only"))
        return
    points = draft.action.get("points")
    if isinstance(points, int) and draft.budget_points < points:
        problems.append(
            ("budget_points", f"smaller than one delivery ({points} points): nobody would get any")
        )


def _trigger(draft: CampaignDraft, problems: Problems) -> tuple[bool, bool]:
    """(lifecycle, index_drop) after checking the trigger."""
    trigger = draft.trigger
    if trigger is None:
        return False, False
    if trigger.get("type") == "index_drop":
        pct = trigger.get("pct")
        try:
            value = Decimal(str(pct))
        except InvalidOperation:
            value = Decimal("NaN")
        if isinstance(pct, bool) or not value.is_finite() or not 0 < value <= MAX_DROP_PCT:
            problems.append(("trigger.pct", f"must be above 0 and at most {MAX_DROP_PCT}"))
        return False, True
    days = trigger.get("days_after_signup")
    if (
        not isinstance(days, list)
        or not days
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in days)
        or not all(0 <= d <= MAX_SIGNUP_DAYS for d in days)
        or len(set(days)) != len(days)
    ):
        problems.append(
            ("trigger.days_after_signup", f"must list distinct days from 0 to {MAX_SIGNUP_DAYS}")
        )
    return True, False


def _schedule(draft: CampaignDraft, now: datetime, problems: Problems) -> Schedule | None:
    before = len(problems)
    zone = zone_problem(draft.timezone)
    if zone is not None:
        problems.append(("schedule.timezone", zone))
    lifecycle, index_drop = _trigger(draft, problems)
    drivers = [draft.at is not None, draft.cron is not None, lifecycle or index_drop]
    if sum(drivers) != 1:
        problems.append(("schedule", "give exactly one of schedule.at, schedule.cron, trigger"))
    if draft.cron is not None and zone is None:
        problem = cron_problem(draft.cron, draft.timezone)
        if problem is not None:
            problems.append(("schedule.cron", problem))
    starts_at = draft.starts_at or now
    if draft.ends_at is not None and draft.ends_at <= starts_at:
        problems.append(("ends_at", "must be after starts_at"))
    if len(problems) > before:
        return None
    return Schedule(
        timezone=draft.timezone,
        starts_at=starts_at,
        ends_at=draft.ends_at,
        at=draft.at,
        cron=draft.cron,
        lifecycle=lifecycle,
        skip_closed_days=draft.skip_closed_days,
    )


def _fires(
    draft: CampaignDraft,
    schedule: Schedule,
    now: datetime,
    calendar: TradingCalendar,
    problems: Problems,
) -> None:
    if schedule.first_run(now, calendar) is not None:
        return
    if draft.at is not None:
        problems.append(("schedule.at", "must be between starts_at and ends_at"))
    elif draft.cron is not None:
        problems.append(("schedule.cron", "never fires between starts_at and ends_at"))
    else:
        problems.append(("ends_at", "the window ends before the first run"))
