"""Campaigns as marketers handle them: create, edit, schedule, pause, resume, cancel, dry-run,
and the runs' figures. The tick (`runs.py`) executes them."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.campaigns.definitions import CampaignDraft, check_draft
from gamification.campaigns.errors import CampaignNotFound, CampaignStateConflict, InvalidCampaign
from gamification.campaigns.filters import Problems
from gamification.campaigns.models import Campaign, CampaignRun, Segment
from gamification.campaigns.schedule import Schedule
from gamification.campaigns.segment_sql import SegmentContext
from gamification.campaigns.segments import Member, checked_filter, segment_count, segment_sample
from gamification.contests.calendar import TradingCalendar
from gamification.rewards.catalogue import enabled_rule_kinds
from gamification.rewards.service import QUEST_REWARD
from gamification.vouchers.models import VoucherProduct

# Which changes each status allows, and the status each change leads to.
TRANSITIONS: dict[str, dict[str, str]] = {
    "schedule": {"draft": "scheduled"},
    "pause": {"scheduled": "paused", "running": "paused"},
    "resume": {"paused": "scheduled"},
    "cancel": dict.fromkeys(("draft", "scheduled", "running", "paused"), "cancelled"),
}
EDITABLE = ("draft", "scheduled", "paused")


def schedule_of(campaign: Campaign) -> Schedule:
    trigger = campaign.trigger or {}
    return Schedule(
        timezone=campaign.timezone,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        at=campaign.schedule_at,
        cron=campaign.cron,
        lifecycle=trigger.get("type") == "lifecycle",
        skip_closed_days=campaign.skip_closed_days,
    )


def draft_of(campaign: Campaign) -> CampaignDraft:
    """The campaign as a draft, for an edit to change some fields and check the whole again."""
    return CampaignDraft(
        name=campaign.name,
        segment_id=campaign.segment_id,
        action=campaign.action,
        timezone=campaign.timezone,
        at=campaign.schedule_at,
        cron=campaign.cron,
        skip_closed_days=campaign.skip_closed_days,
        trigger=campaign.trigger,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        budget_points=campaign.budget_points,
        quiet_hours=campaign.quiet_hours,
        draft=campaign.status == "draft",
    )


async def _database_problems(db: AsyncSession, draft: CampaignDraft) -> Problems:
    problems: Problems = []
    if await db.get(Segment, draft.segment_id) is None:
        problems.append(("segment_id", "no segment with this id"))
    action = draft.action
    if action.get("type") == "points_multiplier" and isinstance(action.get("rules"), list):
        known = await enabled_rule_kinds(db, action["rules"]) | {QUEST_REWARD}
        for i, kind in enumerate(action["rules"]):
            if kind not in known:
                problems.append((f"action.rules.{i}", f"no enabled reward rule {kind!r}"))
    if action.get("type") == "voucher_drop":
        product_id = _uuid(action.get("product_id"))
        if product_id is None or await db.get(VoucherProduct, product_id) is None:
            problems.append(("action.product_id", "no voucher product with this id"))
    return problems


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def _checked(
    db: AsyncSession, draft: CampaignDraft, *, now: datetime, calendar: TradingCalendar
) -> tuple[dict[str, Any], Schedule]:
    checked = check_draft(draft, now=now, calendar=calendar)
    problems = checked.problems + await _database_problems(db, draft)
    if problems:
        raise InvalidCampaign(problems)
    return checked.action, checked.schedule


def _columns(draft: CampaignDraft, action: dict[str, Any], schedule: Schedule) -> dict[str, Any]:
    return {
        "name": draft.name,
        "segment_id": draft.segment_id,
        "action_type": action["type"],
        "action": action,
        "schedule_at": draft.at,
        "cron": draft.cron,
        "timezone": draft.timezone,
        "skip_closed_days": draft.skip_closed_days,
        "trigger": draft.trigger,
        "starts_at": schedule.starts_at,
        "ends_at": draft.ends_at,
        "budget_points": draft.budget_points,
        "quiet_hours": draft.quiet_hours,
    }


async def create_campaign(
    db: AsyncSession,
    draft: CampaignDraft,
    *,
    created_by: uuid.UUID | None,
    now: datetime,
    calendar: TradingCalendar,
) -> Campaign:
    action, schedule = await _checked(db, draft, now=now, calendar=calendar)
    campaign = Campaign(
        **_columns(draft, action, schedule),
        status="draft" if draft.draft else "scheduled",
        next_run_at=None if draft.draft else schedule.first_run(now, calendar),
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    db.add(campaign)
    await db.flush()
    return campaign


async def get_campaign(db: AsyncSession, campaign_id: uuid.UUID, *, lock: bool = False) -> Campaign:
    query = sa.select(Campaign).where(col(Campaign.id) == campaign_id)
    campaign = await db.scalar(query.with_for_update() if lock else query)
    if campaign is None:
        raise CampaignNotFound()
    return campaign


async def edit_campaign(
    db: AsyncSession,
    campaign_id: uuid.UUID,
    changes: dict[str, Any],
    *,
    now: datetime,
    calendar: TradingCalendar,
) -> Campaign:
    """Change some fields (a draft's names) and check the whole campaign again. Only a draft,
    scheduled or paused campaign with no unfinished run may change: a running one is 409."""
    campaign = await get_campaign(db, campaign_id, lock=True)
    unfinished = await db.scalar(
        sa.select(
            sa.exists().where(
                col(CampaignRun.campaign_id) == campaign_id,
                col(CampaignRun.status).in_(("pending", "running")),
            )
        )
    )
    if campaign.status not in EDITABLE or unfinished:  # a paused run resumes as it was defined
        raise CampaignStateConflict(status=campaign.status, change="edit")
    draft = CampaignDraft(**{**draft_of(campaign).__dict__, **changes})
    action, schedule = await _checked(db, draft, now=now, calendar=calendar)
    for name, value in _columns(draft, action, schedule).items():
        setattr(campaign, name, value)
    if campaign.status == "scheduled":
        campaign.next_run_at = schedule.first_run(now, calendar)
    campaign.updated_at = now
    await db.flush()
    return campaign


async def change_state(
    db: AsyncSession,
    campaign_id: uuid.UUID,
    change: str,
    *,
    now: datetime,
    calendar: TradingCalendar,
) -> tuple[Campaign, str]:
    """Apply `change` (schedule, pause, resume, cancel) under the campaign's row lock; returns
    the campaign and its status before. Resuming skips the cron firings missed while paused
    (`Schedule.resumed`). Cancelling also cancels its unfinished runs (their pending
    deliveries are never made)."""
    campaign = await get_campaign(db, campaign_id, lock=True)
    before = campaign.status
    after = TRANSITIONS[change].get(before)
    if after is None:
        raise CampaignStateConflict(status=before, change=change)
    campaign.status = after
    campaign.updated_at = now
    if change == "schedule":
        campaign.next_run_at = schedule_of(campaign).first_run(now, calendar)
    if change == "resume":
        campaign.next_run_at = schedule_of(campaign).resumed(campaign.next_run_at, now, calendar)
    if change == "cancel":
        campaign.next_run_at = None
        await db.execute(
            sa.update(CampaignRun)
            .where(
                col(CampaignRun.campaign_id) == campaign_id,
                col(CampaignRun.status).in_(("pending", "running")),
            )
            .values(status="cancelled", finished_at=now)
        )
    await db.flush()
    return campaign, before


@dataclass(frozen=True)
class DryRun:
    targeted: int
    points: int
    vouchers: int
    sample: list[Member]
    warnings: list[str]


async def dry_run(db: AsyncSession, campaign: Campaign, *, ctx: SegmentContext) -> DryRun:
    """What a run would do now, writing nothing: who it targets, the points and vouchers it
    would spend (within the budget left and the stock left), with a warning for each limit
    that would stop it short."""
    segment = await db.get(Segment, campaign.segment_id)
    assert segment is not None  # a campaign's segment is a foreign key
    tree = checked_filter(segment.filter)
    targeted = await segment_count(db, tree, ctx)
    sample = await segment_sample(db, tree, ctx)
    points, vouchers, warnings = 0, 0, []
    action = campaign.action
    if action["type"] == "grant_points":
        wanted = targeted * int(action["points"])
        points = wanted
        if campaign.budget_points is not None:
            left = campaign.budget_points - campaign.points_spent
            points = min(wanted, left - left % int(action["points"]))
            if points < wanted:
                warnings.append("budget_short")
    elif action["type"] == "voucher_drop":
        product = await db.get(VoucherProduct, uuid.UUID(action["product_id"]))
        stock = product.remaining_stock if product is not None else 0
        vouchers = min(targeted, stock)
        if stock < targeted:
            warnings.append("stock_short")
    return DryRun(targeted, points, vouchers, sample, warnings)


async def campaign_runs(
    db: AsyncSession,
    campaign_id: uuid.UUID,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[CampaignRun]:
    """The campaign's runs, latest occurrence first."""
    key = sa.tuple_(col(CampaignRun.scheduled_for), col(CampaignRun.id))
    query = sa.select(CampaignRun).where(col(CampaignRun.campaign_id) == campaign_id)
    if after is not None:
        query = query.where(key < sa.tuple_(*after))
    rows = await db.scalars(
        query.order_by(col(CampaignRun.scheduled_for).desc(), col(CampaignRun.id).desc()).limit(
            limit
        )
    )
    return list(rows.all())


@dataclass(frozen=True)
class Totals:
    runs: int
    targeted: int
    delivered: int
    skipped: int
    failed: int
    points_spent: int


async def campaign_totals(db: AsyncSession, campaign_id: uuid.UUID) -> Totals:
    figures = [
        sa.func.coalesce(sa.func.sum(col(getattr(CampaignRun, name))), 0)
        for name in ("targeted", "delivered", "skipped", "failed", "points_spent")
    ]
    row = (
        await db.execute(
            sa.select(sa.func.count(), *figures).where(col(CampaignRun.campaign_id) == campaign_id)
        )
    ).one()
    return Totals(*(int(value) for value in row))
