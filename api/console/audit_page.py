"""The audit log in the console (role admin): newest first, filtered by actor, action and
time, a page at a time. The filter form updates the results in place (htmx)."""

import uuid
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import Role
from api.accounts.models import UserAccount
from api.audit import AuditLog
from api.console.forms import FormProblem, validation_problem
from api.console.pages import render
from api.console.session import Staff, require

PAGE_SIZE = 50
Filter = Annotated[str, QueryParameter(max_length=200)]


def _moment(value: str, name: str, errors: list[dict[str, str]]) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors.append({"field": name, "message": "must be an RFC 3339 time with an offset"})
        return None
    return moment


def _actor(value: str, errors: list[dict[str, str]]) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        errors.append({"field": "actor", "message": "must be a UUID"})
        return None


def _before(value: str, errors: list[dict[str, str]]) -> tuple[datetime, uuid.UUID] | None:
    """The keyset of the previous page's last row: `<created_at>_<id>`."""
    if not value:
        return None
    moment, _, row_id = value.rpartition("_")
    try:
        return datetime.fromisoformat(moment), uuid.UUID(row_id)
    except ValueError:
        errors.append({"field": "before", "message": "is not a page of this log"})
        return None


async def _entries(
    db: AsyncSession,
    *,
    actor: uuid.UUID | None,
    action: str,
    since: datetime | None,
    until: datetime | None,
    before: tuple[datetime, uuid.UUID] | None,
) -> list[Any]:
    query = sa.select(AuditLog, col(UserAccount.email)).outerjoin(
        UserAccount, col(UserAccount.id) == col(AuditLog.actor_id)
    )
    if actor is not None:
        query = query.where(col(AuditLog.actor_id) == actor)
    if action:
        query = query.where(col(AuditLog.action) == action)
    if since is not None:
        query = query.where(col(AuditLog.created_at) >= since)
    if until is not None:
        query = query.where(col(AuditLog.created_at) < until)
    if before is not None:
        query = query.where(
            sa.tuple_(col(AuditLog.created_at), col(AuditLog.id)) < sa.tuple_(*before)
        )
    query = query.order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc())
    return list((await db.execute(query.limit(PAGE_SIZE + 1))).all())


class AuditPageController(Controller):
    path = "/audit"
    include_in_schema = False

    @get("/")
    async def audit_log(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        staff: NamedDependency[Staff],
        actor: Filter = "",
        action: Filter = "",
        since: Filter = "",
        until: Filter = "",
        before: Filter = "",
    ) -> Template:
        require(staff, Role.ADMIN)
        errors: list[dict[str, str]] = []
        actor_id = _actor(actor.strip(), errors)
        start = _moment(since.strip(), "since", errors)
        end = _moment(until.strip(), "until", errors)
        after = _before(before, errors)
        problem: FormProblem | None = None
        rows: list[Any] = []
        if errors:
            problem = validation_problem(errors, staff.locale)
        else:
            rows = await _entries(
                db, actor=actor_id, action=action.strip(), since=start, until=end, before=after
            )
        more = rows[PAGE_SIZE - 1] if len(rows) > PAGE_SIZE else None
        values = {"actor": actor, "action": action, "since": since, "until": until}
        return render(
            request,
            "audit.html.j2",
            staff=staff,
            status=422 if problem else 200,
            rows=rows[:PAGE_SIZE],
            more=f"{more[0].created_at.isoformat()}_{more[0].id}" if more else None,
            values=values,
            problem=problem,
        )
