"""The campaign definition form, read into the API's own body (`CampaignIn`, or every field
of a `CampaignPatch` when editing) and back from a stored campaign.

Its fields are named by their paths in that body (`action.points`, `schedule.cron`,
`trigger.pct`), so each problem the API would answer lands next to its field. Only the fields
of the chosen action and schedule kind are read: the others stay in the page, hidden (the
stylesheet shows a kind's fields while its radio button is checked), and are ignored.
"""

import re
from typing import Any

from litestar.datastructures import FormMultiDict

from api.console.forms import text, whole_number
from core.messages import MESSAGE_LOCALES
from gamification.campaigns.definitions import ACTION_TYPES
from gamification.campaigns.models import Campaign

SCHEDULE_KINDS = ("once", "cron", "index_drop", "lifecycle")
LINK_KINDS = ("lesson", "course", "contest", "voucher_product")
DEFAULTS = {
    "action.type": "grant_points",
    "schedule.kind": "once",
    "schedule.timezone": "Asia/Shanghai",
    "quiet_hours": "true",
}
_TIMES = ("starts_at", "ends_at")


def _texts(form: FormMultiDict, path: str) -> dict[str, str]:
    return {locale: text(form, f"{path}.{locale}") or "" for locale in MESSAGE_LOCALES}


def _kind(form: FormMultiDict, name: str, kinds: tuple[str, ...]) -> str:
    value = form.get(name)
    return value if isinstance(value, str) and value in kinds else kinds[0]


def _action(form: FormMultiDict) -> dict[str, Any]:
    kind = _kind(form, "action.type", ACTION_TYPES)
    fields: dict[str, Any] = {"type": kind}
    if kind == "grant_points":
        fields |= {"points": whole_number(form, "action.points")}
        fields |= {"reason": _texts(form, "action.reason")}
    elif kind == "points_multiplier":
        fields |= {"factor": text(form, "action.factor")}
        fields |= {"rules": [r for r in form.getall("action.rules", []) if isinstance(r, str)]}
        fields |= {name: text(form, f"action.{name}") for name in _TIMES}
    elif kind == "voucher_drop":
        fields |= {"product_id": text(form, "action.product_id")}
    else:
        fields |= {"title": _texts(form, "action.title"), "body": _texts(form, "action.body")}
        link = {"kind": text(form, "action.link.kind"), "id": text(form, "action.link.id")}
        fields |= {"link": link} if link["kind"] or link["id"] else {}
    return {name: value for name, value in fields.items() if value is not None}


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,9}")


def _days(raw: str | None) -> list[int | str] | None:
    """`0, 7, 30` as a list of days; a part that is not a number is kept, for its message.
    ASCII digits only: `str.isdigit` takes `²`, which `int` refuses."""
    if raw is None:
        return None
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    return [int(part) if _WHOLE_NUMBER.fullmatch(part) else part for part in parts]


def _schedule(form: FormMultiDict) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The `schedule` and the `trigger` of the chosen kind."""
    kind = _kind(form, "schedule.kind", SCHEDULE_KINDS)
    schedule: dict[str, Any] = {
        "timezone": text(form, "schedule.timezone") or "",
        "skip_closed_days": kind == "cron" and form.get("schedule.skip_closed_days") == "true",
    }
    trigger: dict[str, Any] | None = None
    if kind == "once":
        schedule["at"] = text(form, "schedule.at") or ""
    elif kind == "cron":
        schedule["cron"] = text(form, "schedule.cron") or ""
    elif kind == "index_drop":
        trigger = {"type": "index_drop", "pct": text(form, "trigger.pct") or ""}
    else:
        days = _days(text(form, "trigger.days_after_signup"))
        trigger = {"type": "lifecycle", "days_after_signup": days or []}
    return schedule, trigger


def campaign_document(form: FormMultiDict, *, create: bool) -> dict[str, Any]:
    """The form as the API's JSON body. Creating, a blank optional field is left out; editing,
    every field is sent, a blank optional one as null (cleared)."""
    schedule, trigger = _schedule(form)
    action = _action(form)
    granting = action["type"] == "grant_points"  # a budget is for points only
    document: dict[str, Any] = {
        "name": text(form, "name") or "",
        "segment_id": text(form, "segment_id") or "",
        "action": action,
        "schedule": schedule,
        "trigger": trigger,
        "starts_at": text(form, "starts_at"),
        "ends_at": text(form, "ends_at"),
        "budget_points": whole_number(form, "budget_points") if granting else None,
        "quiet_hours": form.get("quiet_hours") == "true",
    }
    if create:
        document["draft"] = form.get("draft") == "true"
        return {name: value for name, value in document.items() if value is not None}
    if document["starts_at"] is None:
        del document["starts_at"]  # a campaign always has a start: blank keeps it
    return document


def _time(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def campaign_values(campaign: Campaign) -> dict[str, Any]:
    """The stored campaign as the form's fields."""
    action, trigger = campaign.action, campaign.trigger or {}
    values: dict[str, Any] = {
        "name": campaign.name,
        "segment_id": str(campaign.segment_id),
        "action.type": action["type"],
        "schedule.timezone": campaign.timezone,
        "schedule.at": _time(campaign.schedule_at),
        "schedule.cron": campaign.cron or "",
        "schedule.skip_closed_days": "true" if campaign.skip_closed_days else "",
        "starts_at": _time(campaign.starts_at),
        "ends_at": _time(campaign.ends_at),
        "budget_points": "" if campaign.budget_points is None else str(campaign.budget_points),
        "quiet_hours": "true" if campaign.quiet_hours else "",
        "action.rules": list(action.get("rules", [])),
        "trigger.pct": str(trigger.get("pct", "")),
        "trigger.days_after_signup": ", ".join(
            str(d) for d in trigger.get("days_after_signup", [])
        ),
    }
    values["schedule.kind"] = trigger.get("type") or ("cron" if campaign.cron else "once")
    for name in ("points", "factor", "starts_at", "ends_at", "product_id"):
        if name in action:
            values[f"action.{name}"] = str(action[name])
    for name in ("reason", "title", "body"):
        for locale, words in action.get(name, {}).items():
            values[f"action.{name}.{locale}"] = words
    for name, value in (action.get("link") or {}).items():
        values[f"action.link.{name}"] = str(value)
    return values
