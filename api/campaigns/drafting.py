"""A campaign request body (`CampaignIn`, `CampaignPatch`) as the domain's draft or changes:
shared by the API's routes and the console's campaign form, so both are checked by the same
code and stored the same way."""

from typing import Any

import msgspec
from msgspec import UNSET

from api.campaigns.schemas import CampaignIn, CampaignPatch, ScheduleIn
from gamification.campaigns.definitions import CampaignDraft


def plain(value: Any) -> Any:
    """A request part as JSON data (decimals and times as strings), as the campaign stores it
    and the audit log records it."""
    return None if value is None else msgspec.to_builtins(value)


def _schedule_fields(schedule: ScheduleIn) -> dict[str, Any]:
    return {
        "timezone": schedule.timezone,
        "at": schedule.at,
        "cron": schedule.cron,
        "skip_closed_days": schedule.skip_closed_days,
    }


def campaign_draft(data: CampaignIn) -> CampaignDraft:
    return CampaignDraft(
        name=data.name,
        segment_id=data.segment_id,
        action=plain(data.action),
        trigger=plain(data.trigger),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        budget_points=data.budget_points,
        quiet_hours=data.quiet_hours,
        draft=data.draft,
        **_schedule_fields(data.schedule),
    )


def campaign_changes(data: CampaignPatch) -> dict[str, Any]:
    """The fields a patch sets, as `edit_campaign` takes them (the schedule's parts apart)."""
    changes: dict[str, Any] = {}
    for name in CampaignPatch.__struct_fields__:
        value = getattr(data, name)
        if value is UNSET:
            continue
        if name == "schedule":
            changes.update(_schedule_fields(value))
        elif name in ("action", "trigger"):
            changes[name] = plain(value)
        else:
            changes[name] = value
    return changes
