"""Campaign rows into response bodies."""

from typing import Any

from api.campaigns.schemas import (
    CampaignOut,
    MemberOut,
    RunErrorOut,
    RunOut,
    RunTotalsOut,
    SegmentOut,
)
from gamification.campaigns.models import Campaign, CampaignRun, Segment
from gamification.campaigns.segments import Member
from gamification.campaigns.service import Totals


def segment_out(segment: Segment) -> SegmentOut:
    return SegmentOut(segment.id, segment.name, segment.filter, segment.created_at)


def members_out(members: list[Member]) -> list[MemberOut]:
    return [MemberOut(member.user_id, member.display_name) for member in members]


def _schedule(campaign: Campaign) -> dict[str, Any]:
    return {
        "at": campaign.schedule_at.isoformat() if campaign.schedule_at else None,
        "cron": campaign.cron,
        "timezone": campaign.timezone,
        "skip_closed_days": campaign.skip_closed_days,
    }


def campaign_out(campaign: Campaign, totals: Totals) -> CampaignOut:
    return CampaignOut(
        id=campaign.id,
        name=campaign.name,
        status=campaign.status,  # type: ignore[arg-type]
        segment_id=campaign.segment_id,
        action=campaign.action,
        schedule=_schedule(campaign),
        trigger=campaign.trigger,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        budget_points=campaign.budget_points,
        points_spent=campaign.points_spent,
        quiet_hours=campaign.quiet_hours,
        next_run_at=campaign.next_run_at,
        totals=RunTotalsOut(**totals.__dict__),
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


def run_out(run: CampaignRun) -> RunOut:
    return RunOut(
        id=run.id,
        scheduled_for=run.scheduled_for,
        status=run.status,  # type: ignore[arg-type]
        targeted=run.targeted,
        delivered=run.delivered,
        skipped=run.skipped,
        failed=run.failed,
        points_spent=run.points_spent,
        errors=[RunErrorOut(e["at"], e["users"], e["error"]) for e in run.errors],
        started_at=run.started_at,
        finished_at=run.finished_at,
    )
