"""Moderators' routes: the queue, and decisions on posts and comments (each audited)."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.audit import audit_request
from api.community.publishing import on_post_published
from api.community.schemas import DecisionIn, DecisionOut, MyReportOut, MyReportPage, QueuePage
from api.community.shaping import queue_item_out
from api.openapi import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, make_page, page_request
from api.settings import Settings
from core.clock import Clock
from gamification.community.moderation import (
    Decision,
    decide_comment,
    decide_post,
    moderation_queue,
)
from gamification.community.reports import reports_by


class ModerationController(Controller):
    path = "/v1/admin"
    tags = ("community",)
    guards = [requires_role(Role.MODERATOR)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get(
        "/moderation/queue",
        operation_id="moderationQueue",
        summary="Held and reported posts and comments, oldest first",
        responses=problem_responses(400, 401, 403, 422),
    )
    async def queue(
        self,
        db: NamedDependency[AsyncSession],
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> QueuePage:
        """Each item with the rules that held it and its open reports, counted by reason."""
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        after = (page.after[0], page.after[1]) if page.after else None
        items = await moderation_queue(db, limit=limit + 1, after=after)
        shown, next_cursor = make_page(items, limit, lambda item: (item.queued_at, item.id))
        return QueuePage(items=[queue_item_out(item) for item in shown], next_cursor=next_cursor)

    @post(
        "/posts/{post_id:uuid}/decision",
        operation_id="decidePost",
        summary="Approve, hide or remove a post, with a reason",
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def decide_on_post(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        caller: NamedDependency[Caller],
        post_id: FromPath[uuid.UUID],
        data: JSONBody[DecisionIn],
    ) -> DecisionOut:
        """Closes the post's open reports with the outcome; the first approval publishes it
        (and pays its author the `post_published` reward). 409 `moderation-closed` once
        removed."""
        now = clock.now()
        decision = await decide_post(
            db, post_id=post_id, action=data.action, reason=data.reason.strip(), now=now
        )
        await on_post_published(db, settings, decision.published, now=now)
        return await _audited(db, request, caller, decision, data)

    @post(
        "/comments/{comment_id:uuid}/decision",
        operation_id="decideComment",
        summary="Approve, hide or remove a comment, with a reason",
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def decide_on_comment(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        comment_id: FromPath[uuid.UUID],
        data: JSONBody[DecisionIn],
    ) -> DecisionOut:
        decision = await decide_comment(
            db,
            comment_id=comment_id,
            action=data.action,
            reason=data.reason.strip(),
            now=clock.now(),
        )
        return await _audited(db, request, caller, decision, data)


async def _audited(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    caller: Caller,
    decision: Decision,
    data: DecisionIn,
) -> DecisionOut:
    await audit_request(
        db,
        request,
        caller,
        action=f"community.{decision.kind}.{data.action}",
        object_type=f"community_{decision.kind}",
        object_id=str(decision.id),
        summary={
            "reason": data.reason,
            "from": decision.previous_status,
            "to": decision.status,
            "author_id": str(decision.author_id),
        },
    )
    return DecisionOut(
        id=decision.id,
        kind=decision.kind,  # type: ignore[arg-type]
        previous_status=decision.previous_status,  # type: ignore[arg-type]
        status=decision.status,  # type: ignore[arg-type]
    )


class MyReportsController(Controller):
    path = "/v1/me/reports"
    tags = ("community",)

    @get(
        "/",
        operation_id="listMyReports",
        summary="The caller's reports, newest first, with their outcome",
        responses=problem_responses(400, 401, 422),
    )
    async def my_reports(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> MyReportPage:
        """`outcome` is `pending` until a moderator decides, then `approved` (the post stays),
        `hidden` or `removed`."""
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        after = (page.after[0], page.after[1]) if page.after else None
        rows = await reports_by(db, reporter_id=caller.user_id, limit=limit + 1, after=after)
        shown, next_cursor = make_page(rows, limit, lambda row: (row.created_at, row.id))
        return MyReportPage(
            items=[
                MyReportOut(
                    id=row.id,
                    post_id=row.post_id,
                    reason=row.reason,  # type: ignore[arg-type]
                    detail=row.detail,
                    created_at=row.created_at,
                    outcome=row.outcome or "pending",  # type: ignore[arg-type]
                    decided_at=row.decided_at,
                )
                for row in shown
            ],
            next_cursor=next_cursor,
        )
