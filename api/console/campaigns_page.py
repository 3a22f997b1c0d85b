"""Segments and campaigns in the console (role marketer): the list of both with the segment
builder, and each campaign's page: dry run, schedule, pause, resume and cancel, with its run
statistics. The same services and audit entries as `api/campaigns/` do the work.
`segments_page.py` answers the builder, `campaign_form_page.py` the definition form."""

import uuid
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import Role
from api.audit import audit_request
from api.campaigns.segments import segment_context
from api.console.forms import FormProblem, attempt
from api.console.pages import render
from api.console.segment_builder import CHOICES, HINTS, Builder
from api.console.session import CONSOLE_PATH, Staff, require
from api.console.texts import texts_for
from api.settings import Settings
from core.clock import Clock
from gamification.campaigns.filters import FIELDS
from gamification.campaigns.models import Campaign, Segment
from gamification.campaigns.service import (
    EDITABLE,
    DryRun,
    campaign_runs,
    campaign_totals,
    change_state,
    dry_run,
    get_campaign,
)
from gamification.contests.calendar import market_calendar
from gamification.contests.models import Contest
from gamification.vouchers.models import VoucherProduct

LISTED = 100
RUNS_SHOWN = 20
Saved = Annotated[bool, QueryParameter(required=False)]
Change = Literal["schedule", "pause", "resume", "cancel"]


async def builder_context(db: AsyncSession, builder: Builder) -> dict[str, Any]:
    """What the builder's template needs: its rows, the fields, the hint of each, and what a
    row's value may be, offered as it is typed (the fixed choices, and the voucher products
    and contests by id with their names)."""
    products = await db.execute(
        sa.select(col(VoucherProduct.id), col(VoucherProduct.sku))
        .order_by(col(VoucherProduct.created_at).desc())
        .limit(LISTED)
    )
    contests = await db.execute(
        sa.select(col(Contest.id), col(Contest.title_en))
        .order_by(col(Contest.starts_at).desc())
        .limit(LISTED)
    )
    choices = {name: [(value, "") for value in values] for name, values in CHOICES.items()}
    choices["holds_voucher_product"] = [(str(id_), sku) for id_, sku in products]
    choices["joined_contest"] = [(str(id_), title) for id_, title in contests]
    return {"builder": builder, "fields": list(FIELDS), "hints": HINTS, "choices": choices}


async def campaigns_list(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    staff: Staff,
    *,
    status: int = 200,
    builder: Builder | None = None,
    values: dict[str, Any] | None = None,
    problem: FormProblem | None = None,
    notice: str = "",
    made: Segment | None = None,
) -> Template:
    """The campaigns and segments, with the segment form as it was sent (or a new one)."""
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
        **await builder_context(db, builder or Builder()),
        values=values or {},
        problem=problem,
        notice=notice,
        made=made,
    )


class CampaignsPageController(Controller):
    path = "/campaigns"
    include_in_schema = False

    @get("/")
    async def campaigns(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        staff: NamedDependency[Staff],
    ) -> Template:
        require(staff, Role.MARKETER)
        return await campaigns_list(request, db, staff)

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
            editable=campaign.status in EDITABLE,
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
        saved: Saved = False,
    ) -> Template:
        """`saved`: just edited (the definition form's answer)."""
        require(staff, Role.MARKETER)
        notice = texts_for(staff.locale)("saved") if saved else ""
        return await self._campaign_page(request, db, staff, campaign_id, notice=notice)

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

        async def work() -> tuple[Campaign, str]:
            return await change_state(
                db, campaign_id, change, now=clock.now(), calendar=market_calendar()
            )

        done, problem, status = await attempt(db, staff.locale, work)
        if done is None:
            return await self._campaign_page(
                request, db, staff, campaign_id, status=status, problem=problem
            )
        campaign, before = done
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
