"""The campaign definition form (role marketer): a new campaign, saved as a draft or
scheduled at once, and a draft, scheduled or paused one edited. The form is read into the
API's own body (`campaign_form.py`), checked and stored by the same code as
`POST /v1/admin/campaigns` and `PATCH /v1/admin/campaigns/{id}`, with the same audit entries;
a refusal shows every problem the API would answer next to its field, and writes nothing."""

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import Role
from api.audit import audit_request
from api.campaigns.drafting import campaign_changes, campaign_draft, plain
from api.campaigns.schemas import CampaignIn, CampaignPatch
from api.console.campaign_form import (
    DEFAULTS,
    LINK_KINDS,
    SCHEDULE_KINDS,
    campaign_document,
    campaign_values,
)
from api.console.forms import FormProblem, attempt, checked, form_values
from api.console.pages import render
from api.console.session import CONSOLE_PATH, Staff, require
from api.settings import Settings
from core.clock import Clock
from gamification.campaigns.definitions import ACTION_TYPES
from gamification.campaigns.models import Campaign, Segment
from gamification.campaigns.service import create_campaign, edit_campaign, get_campaign
from gamification.contests.calendar import market_calendar
from gamification.rewards.models import RewardRule
from gamification.vouchers.models import VoucherProduct

LISTED = 100
SegmentChoice = Annotated[uuid.UUID | None, QueryParameter(required=False)]


async def _form_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    settings: Settings,
    staff: Staff,
    *,
    campaign: Campaign | None,
    values: dict[str, Any],
    status: int = 200,
    problem: FormProblem | None = None,
) -> Template:
    """The form with the segments, products and reward rules a campaign may name."""
    segments = await db.execute(
        sa.select(col(Segment.id), col(Segment.name))
        .order_by(col(Segment.created_at).desc())
        .limit(LISTED)
    )
    products = await db.execute(
        sa.select(
            col(VoucherProduct.id), col(VoucherProduct.sku), col(VoucherProduct.remaining_stock)
        )
        .order_by(col(VoucherProduct.created_at).desc())
        .limit(LISTED)
    )
    rules = await db.scalars(
        sa.select(col(RewardRule.kind))
        .where(col(RewardRule.enabled))
        .order_by(col(RewardRule.kind))
    )
    page = f"{CONSOLE_PATH}/campaigns/{campaign.id}/edit" if campaign else None
    return render(
        request,
        "campaign_form.html.j2",
        staff=staff,
        status=status,
        page=page or f"{CONSOLE_PATH}/campaigns/new",
        campaign=campaign,
        values=values,
        problem=problem,
        segments=list(segments),
        products=list(products),
        rules=list(rules),
        action_types=ACTION_TYPES,
        schedule_kinds=SCHEDULE_KINDS,
        link_kinds=LINK_KINDS,
        messages_per_day=settings.campaign_messages_per_day,
    )


def _sent(form: Any) -> dict[str, Any]:
    """What was typed, to show again with its problems (the checked reward rules too)."""
    return form_values(form) | {"action.rules": form.getall("action.rules", [])}


class CampaignFormPageController(Controller):
    path = "/campaigns"
    include_in_schema = False

    @get("/new")
    async def new(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
        segment_id: SegmentChoice = None,
    ) -> Template:
        """A blank form (with `segment_id`, that segment chosen: the link after saving one)."""
        require(staff, Role.MARKETER)
        values = DEFAULTS | ({"segment_id": str(segment_id)} if segment_id else {})
        return await _form_page(request, db, settings, staff, campaign=None, values=values)

    @post("/new", status_code=303)
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
    ) -> Template | Redirect:
        require(staff, Role.MARKETER)
        form = await request.form()
        data, problem = checked(campaign_document(form, create=True), CampaignIn, staff.locale)
        campaign: Campaign | None = None
        status = 422
        if data is not None:

            async def work() -> Campaign:
                return await create_campaign(
                    db,
                    campaign_draft(data),
                    created_by=staff.caller.user_id,
                    now=clock.now(),
                    calendar=market_calendar(),
                )

            campaign, problem, status = await attempt(db, staff.locale, work)
        if campaign is None:
            return await _form_page(
                request,
                db,
                settings,
                staff,
                campaign=None,
                values=_sent(form),
                status=status,
                problem=problem,
            )
        await audit_request(
            db,
            request,
            staff.caller,
            action="campaign.create",
            object_type="campaign",
            object_id=str(campaign.id),
            summary=plain(data),
        )
        return Redirect(f"{CONSOLE_PATH}/campaigns/{campaign.id}", status_code=303)

    @get("/{campaign_id:uuid}/edit")
    async def edit_form(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
        campaign_id: FromPath[uuid.UUID],
    ) -> Template:
        require(staff, Role.MARKETER)
        campaign = await get_campaign(db, campaign_id)
        values = campaign_values(campaign)
        return await _form_page(request, db, settings, staff, campaign=campaign, values=values)

    @post("/{campaign_id:uuid}/edit", status_code=303)
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
        campaign_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        """Every field is sent and the whole campaign checked again; 409 while it runs."""
        require(staff, Role.MARKETER)
        form = await request.form()
        data, problem = checked(campaign_document(form, create=False), CampaignPatch, staff.locale)
        edited: Campaign | None = None
        status = 422
        if data is not None:

            async def work() -> Campaign:
                return await edit_campaign(
                    db,
                    campaign_id,
                    campaign_changes(data),
                    now=clock.now(),
                    calendar=market_calendar(),
                )

            edited, problem, status = await attempt(db, staff.locale, work)
        if edited is None:
            campaign = await get_campaign(db, campaign_id)
            return await _form_page(
                request,
                db,
                settings,
                staff,
                campaign=campaign,
                values=_sent(form),
                status=status,
                problem=problem,
            )
        await audit_request(
            db,
            request,
            staff.caller,
            action="campaign.update",
            object_type="campaign",
            object_id=str(edited.id),
            summary=plain(data),
        )
        return Redirect(f"{CONSOLE_PATH}/campaigns/{edited.id}?saved=1", status_code=303)
