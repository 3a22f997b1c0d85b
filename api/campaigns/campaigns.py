"""Marketers define campaigns, dry-run them, move them through their states and read their
runs. Every change and every state change is audited in the same transaction."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.audit import audit_request
from api.campaigns.drafting import campaign_changes, campaign_draft, plain
from api.campaigns.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    DryRunOut,
    RunPage,
)
from api.campaigns.segments import segment_context
from api.campaigns.shaping import campaign_out, members_out, run_out
from api.idempotency import OptionalIdempotencyKey, run_idempotent
from api.openapi import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, make_page, page_request
from api.settings import Settings
from api.timestamps import TimestampedResponse
from core.clock import Clock
from gamification.campaigns.models import Campaign
from gamification.campaigns.service import (
    campaign_runs,
    campaign_totals,
    change_state,
    create_campaign,
    dry_run,
    edit_campaign,
    get_campaign,
)
from gamification.contests.calendar import market_calendar

STATE_RESPONSES = problem_responses(400, 401, 403, 404, 409)


async def _out(db: AsyncSession, campaign: Campaign) -> CampaignOut:
    return campaign_out(campaign, await campaign_totals(db, campaign.id))


async def _audit(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    caller: Caller,
    action: str,
    campaign: Campaign,
    summary: dict[str, Any],
) -> None:
    await audit_request(
        db,
        request,
        caller,
        action=action,
        object_type="campaign",
        object_id=str(campaign.id),
        summary=summary,
    )


class CampaignController(Controller):
    path = "/v1/admin/campaigns"
    tags = ("marketing",)
    guards = [requires_role(Role.MARKETER)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post(
        "/",
        operation_id="createCampaign",
        summary="Define a campaign: an action for a segment on a schedule",
        status_code=201,
        responses={
            201: ResponseSpec(data_container=CampaignOut, description="The campaign"),
            **problem_responses(400, 401, 403, 409, 422),
        },
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        data: JSONBody[CampaignIn],
        idempotency_key: OptionalIdempotencyKey = None,
    ) -> Response[Any]:
        """`draft: true` keeps it a draft (schedule it later); otherwise it is scheduled at
        once. 422 names each bad field: a cron that never fires, an unknown time zone, a window
        that ends before it starts, a budget below one grant, a factor above 3, a template
        with an unknown variable. With an `Idempotency-Key`, a retry with the same body
        answers the first campaign instead of creating another."""

        async def effect() -> tuple[int, Any]:
            campaign = await create_campaign(
                db,
                campaign_draft(data),
                created_by=caller.user_id,
                now=clock.now(),
                calendar=market_calendar(),
            )
            await _audit(db, request, caller, "campaign.create", campaign, plain(data))
            return 201, await _out(db, campaign)

        if idempotency_key is None:
            status, out = await effect()
            return TimestampedResponse(out, status_code=status)
        return await run_idempotent(
            db,
            request,
            clock,
            caller=f"user:{caller.user_id}",
            key=idempotency_key,
            body=data,
            effect=effect,
            refusals_write_nothing=True,  # a refused definition is checked before any write
        )

    @get(
        "/{campaign_id:uuid}",
        operation_id="getCampaign",
        summary="A campaign with its status and the totals of its runs",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def detail(
        self, db: NamedDependency[AsyncSession], campaign_id: FromPath[uuid.UUID]
    ) -> CampaignOut:
        return await _out(db, await get_campaign(db, campaign_id))

    @patch(
        "/{campaign_id:uuid}",
        operation_id="editCampaign",
        summary="Edit a draft, scheduled or paused campaign",
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        campaign_id: FromPath[uuid.UUID],
        data: JSONBody[CampaignPatch],
    ) -> CampaignOut:
        """409 `campaign-state-conflict` while it runs, and once completed or cancelled."""
        changes = campaign_changes(data)
        campaign = await edit_campaign(
            db, campaign_id, changes, now=clock.now(), calendar=market_calendar()
        )
        await _audit(db, request, caller, "campaign.update", campaign, plain(data))
        return await _out(db, campaign)

    @post(
        "/{campaign_id:uuid}/dry-run",
        operation_id="dryRunCampaign",
        summary="What a run would do now; writes nothing",
        status_code=200,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def dry_run(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        campaign_id: FromPath[uuid.UUID],
    ) -> DryRunOut:
        """`warnings`: `budget_short` (the budget left covers fewer than targeted),
        `stock_short` (the product has less stock than targeted: the rest are skipped)."""
        campaign = await get_campaign(db, campaign_id)
        result = await dry_run(db, campaign, ctx=segment_context(clock, settings))
        return DryRunOut(
            targeted=result.targeted,
            points=result.points,
            vouchers=result.vouchers,
            sample=members_out(result.sample),
            warnings=result.warnings,  # type: ignore[arg-type]
        )

    async def _change(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        clock: Clock,
        caller: Caller,
        campaign_id: uuid.UUID,
        change: str,
    ) -> CampaignOut:
        campaign, before = await change_state(
            db, campaign_id, change, now=clock.now(), calendar=market_calendar()
        )
        summary = {"from": before, "to": campaign.status}
        await _audit(db, request, caller, f"campaign.{change}", campaign, summary)
        return await _out(db, campaign)

    @post(
        "/{campaign_id:uuid}/schedule",
        operation_id="scheduleCampaign",
        summary="Schedule a draft",
        status_code=200,
        responses=STATE_RESPONSES,
    )
    async def schedule(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        campaign_id: FromPath[uuid.UUID],
    ) -> CampaignOut:
        """409 `campaign-state-conflict` unless it is a draft."""
        return await self._change(request, db, clock, caller, campaign_id, "schedule")

    @post(
        "/{campaign_id:uuid}/pause",
        operation_id="pauseCampaign",
        summary="Pause a scheduled or running campaign (a run stops between chunks)",
        status_code=200,
        responses=STATE_RESPONSES,
    )
    async def pause(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        campaign_id: FromPath[uuid.UUID],
    ) -> CampaignOut:
        return await self._change(request, db, clock, caller, campaign_id, "pause")

    @post(
        "/{campaign_id:uuid}/resume",
        operation_id="resumeCampaign",
        summary="Resume a paused campaign (an interrupted run carries on)",
        status_code=200,
        responses=STATE_RESPONSES,
    )
    async def resume(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        campaign_id: FromPath[uuid.UUID],
    ) -> CampaignOut:
        return await self._change(request, db, clock, caller, campaign_id, "resume")

    @post(
        "/{campaign_id:uuid}/cancel",
        operation_id="cancelCampaign",
        summary="Cancel a campaign for good (its unfinished runs too)",
        status_code=200,
        responses=STATE_RESPONSES,
    )
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        campaign_id: FromPath[uuid.UUID],
    ) -> CampaignOut:
        return await self._change(request, db, clock, caller, campaign_id, "cancel")

    @get(
        "/{campaign_id:uuid}/runs",
        operation_id="listCampaignRuns",
        summary="The campaign's runs, latest first, with their figures and errors",
        responses=problem_responses(400, 401, 403, 404, 422),
    )
    async def runs(
        self,
        db: NamedDependency[AsyncSession],
        campaign_id: FromPath[uuid.UUID],
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> RunPage:
        await get_campaign(db, campaign_id)
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        after = (page.after[0], page.after[1]) if page.after else None
        rows = await campaign_runs(db, campaign_id, limit=limit + 1, after=after)
        items, next_cursor = make_page(rows, limit, lambda run: (run.scheduled_for, run.id))
        return RunPage(items=[run_out(run) for run in items], next_cursor=next_cursor)
