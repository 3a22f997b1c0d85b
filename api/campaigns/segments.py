"""Marketers define segments and preview who is in them; every change is audited."""

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.audit import audit_request
from api.autocommit_routes import AUTOCOMMIT
from api.campaigns.schemas import PreviewOut, SegmentIn, SegmentOut
from api.campaigns.shaping import members_out, segment_out
from api.openapi import problem_responses
from api.settings import Settings
from core.clock import Clock
from gamification.campaigns.segment_sql import SegmentContext
from gamification.campaigns.segments import (
    checked_filter,
    create_segment,
    get_segment,
    segment_count,
    segment_sample,
)


def segment_context(clock: Clock, settings: Settings) -> SegmentContext:
    return SegmentContext(now=clock.now(), business_zone=settings.timezone)


class SegmentController(Controller):
    path = "/v1/admin/segments"
    tags = ("marketing",)
    guards = [requires_role(Role.MARKETER)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post(
        "/",
        operation_id="createSegment",
        summary="Define a segment: a filter over learners",
        status_code=201,
        responses=problem_responses(400, 401, 403, 422),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        data: JSONBody[SegmentIn],
    ) -> SegmentOut:
        """422 names the path of each bad part of the filter (`filter.all.1.op`)."""
        segment = await create_segment(
            db, name=data.name, filter_=data.filter, created_by=caller.user_id, now=clock.now()
        )
        await audit_request(
            db,
            request,
            caller,
            action="segment.create",
            object_type="segment",
            object_id=str(segment.id),
            summary={"name": segment.name, "filter": segment.filter},
        )
        return segment_out(segment)

    @get(
        "/{segment_id:uuid}/preview",
        operation_id="previewSegment",
        summary="How many learners are in the segment now, and a few of them",
        responses=problem_responses(400, 401, 403, 404),
        opt=AUTOCOMMIT,
    )
    async def preview(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        segment_id: FromPath[uuid.UUID],
    ) -> PreviewOut:
        """The sample shows ids and display names only."""
        segment = await get_segment(db, segment_id)
        tree = checked_filter(segment.filter)
        ctx = segment_context(clock, settings)
        count = await segment_count(db, tree, ctx)
        sample = await segment_sample(db, tree, ctx)
        return PreviewOut(count=count, sample=members_out(sample))
