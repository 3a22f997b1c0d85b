"""Moderation in the console (role moderator): the queue of held and reported posts and
comments, the compliance rules that matched each highlighted, and a decision with a reason.
The same services, reward and audit entry as `api/community/moderation.py`."""

import uuid
from typing import Any, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Role
from api.audit import audit_request
from api.community.publishing import on_post_published
from api.community.schemas import DecisionIn
from api.community.shaping import live_rules
from api.console.forms import FormProblem, checked, domain_problem, status_of, text
from api.console.highlight import highlighted
from api.console.pages import render
from api.console.session import CONSOLE_PATH, Staff, require
from api.console.texts import texts_for
from api.settings import Settings
from core.clock import Clock
from core.errors import DomainError
from gamification.community.moderation import (
    Decision,
    QueueItem,
    decide_comment,
    decide_post,
    moderation_queue,
)
from gamification.community.screening import ModerationRule

QUEUE_SHOWN = 50


def _card(item: QueueItem, rules: dict[str, ModerationRule], locale: str) -> dict[str, Any]:
    matched = [rules[rule_id] for rule_id in item.matched_rules if rule_id in rules]
    return {
        "item": item,
        "body": highlighted(item.body, matched),
        "rules": [
            {
                "id": rule.id,
                "rule_class": rule.rule_class,
                "action": rule.action.name.lower(),
                "message": rule.message.get(locale, ""),
            }
            for rule in matched
        ]
        + [{"id": rule_id} for rule_id in item.matched_rules if rule_id not in rules],
    }


class ModerationPageController(Controller):
    path = "/moderation"
    include_in_schema = False

    async def _queue_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        settings: Settings,
        staff: Staff,
        *,
        status: int = 200,
        notice: str = "",
        problem: FormProblem | None = None,
        problem_for: uuid.UUID | None = None,
        values: dict[str, str] | None = None,
    ) -> Template:
        rules = {rule.id: rule for rule in live_rules(request).rules}
        items = await moderation_queue(db, limit=QUEUE_SHOWN, after=None)
        return render(
            request,
            "moderation.html.j2",
            staff=staff,
            status=status,
            page=f"{CONSOLE_PATH}/moderation",
            cards=[_card(item, rules, staff.locale) for item in items],
            notice=notice,
            problem=problem,
            problem_for=problem_for,
            values=values or {},
        )

    @get("/")
    async def queue(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
    ) -> Template:
        require(staff, Role.MODERATOR)
        return await self._queue_page(request, db, settings, staff)

    @post("/{kind:str}/{item_id:uuid}/decision", status_code=200)
    async def decide(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
        kind: FromPath[Literal["post", "comment"]],
        item_id: FromPath[uuid.UUID],
    ) -> Template:
        """A decision with its reason (as `POST /v1/admin/{kind}s/{id}/decision`); a problem
        is shown on the item's card and nothing is decided."""
        require(staff, Role.MODERATOR)
        form = await request.form()
        document = {"action": text(form, "action"), "reason": text(form, "reason") or ""}
        data, problem = checked(document, DecisionIn, staff.locale)
        status = 422
        if data is not None:
            try:
                async with db.begin_nested():
                    decision = await self._decide(db, settings, clock, kind, item_id, data)
            except DomainError as error:
                problem, status = domain_problem(error, staff.locale), status_of(error)
        if problem is not None or data is None:
            values = {
                "action": str(form.get("action") or ""),
                "reason": str(form.get("reason") or ""),
            }
            return await self._queue_page(
                request,
                db,
                settings,
                staff,
                status=status,
                problem=problem,
                problem_for=item_id,
                values=values,
            )
        await audit_request(
            db,
            request,
            staff.caller,
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
        notice = texts_for(staff.locale)(
            "decided", kind=decision.kind, before=decision.previous_status, after=decision.status
        )
        return await self._queue_page(request, db, settings, staff, notice=notice)

    async def _decide(
        self,
        db: AsyncSession,
        settings: Settings,
        clock: Clock,
        kind: str,
        item_id: uuid.UUID,
        data: DecisionIn,
    ) -> Decision:
        now, reason = clock.now(), data.reason.strip()
        if kind == "comment":
            return await decide_comment(
                db, comment_id=item_id, action=data.action, reason=reason, now=now
            )
        decision = await decide_post(
            db, post_id=item_id, action=data.action, reason=reason, now=now
        )
        await on_post_published(db, settings, decision.published, now=now)
        return decision
