"""Segments and campaigns in the console (role marketer): build a segment with a live count,
and move each campaign through its states (schedule, pause, resume, cancel) after a dry run,
with its run statistics. Campaigns are defined through the API (`POST /v1/admin/campaigns`);
the same services and audit entries as `api/campaigns/` do the work here."""

import uuid
from typing import Any, Literal

import sqlalchemy as sa
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import Role
from api.audit import audit_request
from api.campaigns.schemas import SegmentIn
from api.campaigns.segments import segment_context
from api.console.forms import (
    FormProblem,
    checked,
    domain_problem,
    form_values,
    json_object,
    status_of,
    text,
)
from api.console.pages import render
from api.console.session import CONSOLE_PATH, Staff, require
from api.console.texts import texts_for
from api.settings import Settings
from core.clock import Clock
from core.errors import DomainError
from gamification.campaigns.models import Campaign, Segment
from gamification.campaigns.segments import checked_filter, create_segment, segment_count
from gamification.campaigns.service import (
    DryRun,
    campaign_runs,
    campaign_totals,
    change_state,
    dry_run,
    get_campaign,
)
from gamification.contests.calendar import market_calendar

LISTED = 100
RUNS_SHOWN = 20
Change = Literal["schedule", "pause", "resume", "cancel"]


def _segment_document(form: Any) -> dict[str, Any]:
    return {"name": text(form, "name") or "", "filter": json_object(form, "filter")}


class CampaignsPageController(Controller):
    path = "/campaigns"
    include_in_schema = False

    async def _list_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        staff: Staff,
        *,
        status: int = 200,
        values: dict[str, Any] | None = None,
        problem: FormProblem | None = None,
        notice: str = "",
    ) -> Template:
        campaigns = await db.scalars(
            sa.select(Campaign).order_by(col(Campaign.created_at).desc()).limit(LISTED)
        )
        segments = await db.scalars(
            sa.select(Segment).order_by(col(Segment.created_at).desc()).limit(LISTED)
        )
        return render(
            request,
            "campaigns.html.j2",
            staff=staff,
            status=status,
            page=f"{CONSOLE_PATH}/campaigns",
            campaigns=list(campaigns),
            segments=list(segments),
            values=values or {},
            problem=problem,
            notice=notice,
        )

    @get("/")
    async def campaigns(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        staff: NamedDependency[Staff],
    ) -> Template:
        require(staff, Role.MARKETER)
        return await self._list_page(request, db, staff)

    @post("/segments/count", status_code=200)
    async def count(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
    ) -> Template:
        """The live count of the filter being typed (an htmx fragment), or its problems."""
        require(staff, Role.MARKETER)
        form = await request.form()
        count, problem = None, None
        try:
            tree = checked_filter(json_object(form, "filter"))
            count = await segment_count(db, tree, segment_context(clock, settings))
        except DomainError as error:
            problem = domain_problem(error, staff.locale)
        return render(request, "segment_count.html.j2", staff=staff, count=count, problem=problem)

    @post("/segments", status_code=200)
    async def create_segment(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        staff: NamedDependency[Staff],
    ) -> Template:
        require(staff, Role.MARKETER)
        form = await request.form()
        data, problem = checked(_segment_document(form), SegmentIn, staff.locale)
        status = 422
        if data is not None:
            try:
                async with db.begin_nested():
                    segment = await create_segment(
                        db,
                        name=data.name,
                        filter_=data.filter,
                        created_by=staff.caller.user_id,
                        now=clock.now(),
                    )
            except DomainError as error:
                problem, status = domain_problem(error, staff.locale), status_of(error)
        if problem is not None or data is None:
            return await self._list_page(
                request, db, staff, status=status, values=form_values(form), problem=problem
            )
        await audit_request(
            db,
            request,
            staff.caller,
            action="segment.create",
            object_type="segment",
            object_id=str(segment.id),
            summary={"name": segment.name, "filter": segment.filter},
        )
        notice = texts_for(staff.locale)("segment_created", name=segment.name)
        return await self._list_page(request, db, staff, notice=notice)

    async def _campaign_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        staff: Staff,
        campaign_id: uuid.UUID,
        *,
        status: int = 200,
        notice: str = "",
        problem: FormProblem | None = None,
        trial: DryRun | None = None,
    ) -> Template:
        campaign = await get_campaign(db, campaign_id)
        return render(
            request,
            "campaign.html.j2",
            staff=staff,
            status=status,
            page=f"{CONSOLE_PATH}/campaigns/{campaign_id}",
            campaign=campaign,
            segment=await db.get(Segment, campaign.segment_id),
            totals=await campaign_totals(db, campaign.id),
            runs=await campaign_runs(db, campaign.id, limit=RUNS_SHOWN),
            notice=notice,
            problem=problem,
            trial=trial,
        )

    @get("/{campaign_id:uuid}")
    async def campaign(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        staff: NamedDependency[Staff],
        campaign_id: FromPath[uuid.UUID],
    ) -> Template:
        require(staff, Role.MARKETER)
        return await self._campaign_page(request, db, staff, campaign_id)

    @post("/{campaign_id:uuid}/dry-run", status_code=200)
    async def dry_run(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
        campaign_id: FromPath[uuid.UUID],
    ) -> Template:
        """What a run would do now; writes nothing."""
        require(staff, Role.MARKETER)
        campaign = await get_campaign(db, campaign_id)
        trial = await dry_run(db, campaign, ctx=segment_context(clock, settings))
        return await self._campaign_page(request, db, staff, campaign_id, trial=trial)

    @post("/{campaign_id:uuid}/{change:str}", status_code=200)
    async def change(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        staff: NamedDependency[Staff],
        campaign_id: FromPath[uuid.UUID],
        change: FromPath[Change],
    ) -> Template:
        """Schedule, pause, resume or cancel (as the API's routes); 409 from a state that does
        not allow it, nothing changed."""
        require(staff, Role.MARKETER)
        try:
            async with db.begin_nested():
                campaign, before = await change_state(
                    db, campaign_id, change, now=clock.now(), calendar=market_calendar()
                )
        except DomainError as error:
            return await self._campaign_page(
                request,
                db,
                staff,
                campaign_id,
                status=status_of(error),
                problem=domain_problem(error, staff.locale),
            )
        await audit_request(
            db,
            request,
            staff.caller,
            action=f"campaign.{change}",
            object_type="campaign",
            object_id=str(campaign.id),
            summary={"from": before, "to": campaign.status},
        )
        notice = texts_for(staff.locale)("state_changed", before=before, after=campaign.status)
        return await self._campaign_page(request, db, staff, campaign_id, notice=notice)
