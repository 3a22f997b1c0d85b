"""Admin routes of the accounts area: finding a user, roles, and the audit log."""

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
import sqlalchemy as sa
from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.accounts.models import UserAccount
from api.accounts.roles import set_user_roles
from api.accounts.sessions import normalise_email
from api.audit import AuditLog, audit_request
from api.openapi import problem_responses
from api.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    Page,
    keyset_before,
    make_page,
    page_request,
)


class RolesRequest(msgspec.Struct):
    roles: Annotated[list[Role], msgspec.Meta(min_length=1, max_length=5)]


class RolesOut(msgspec.Struct):
    id: uuid.UUID
    roles: list[str]


class AdminUserOut(msgspec.Struct):
    id: uuid.UUID
    email: str | None
    display_name: str | None
    roles: list[str]
    created_at: datetime
    deleted_at: datetime | None


class AdminUserPage(Page[AdminUserOut]):
    """An exact email match: one user at most, so `next_cursor` is always null."""


class AuditEntryOut(msgspec.Struct):
    id: uuid.UUID
    created_at: datetime
    actor_kind: str
    actor_id: uuid.UUID | None
    action: str
    object_type: str
    object_id: str
    summary: dict[str, Any]
    request_id: str | None


class AuditEntryPage(Page[AuditEntryOut]):
    """A page of the audit log."""


class AdminAccountsController(Controller):
    path = "/v1/admin"
    tags = ("admin",)
    guards = [requires_role(Role.ADMIN)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get(
        "/users",
        operation_id="findUsers",
        summary="Find a user by email",
        description="The email is matched exactly, in the form sign-up stores it (case and "
        "full-width characters folded). No match is an empty list; a malformed email is 422. "
        "Erased accounts keep no email, so they are never found.",
        responses=problem_responses(400, 401, 403, 422),
    )
    async def find_users(
        self,
        db: NamedDependency[AsyncSession],
        email: Annotated[str, QueryParameter(name="email", min_length=1, max_length=320)],
    ) -> AdminUserPage:
        rows = await db.scalars(
            sa.select(UserAccount).where(col(UserAccount.email) == normalise_email(email))
        )
        return AdminUserPage(
            next_cursor=None,
            items=[
                AdminUserOut(
                    id=row.id,
                    email=row.email,
                    display_name=row.display_name,
                    roles=sorted(row.roles),
                    created_at=row.created_at,
                    deleted_at=row.deleted_at,
                )
                for row in rows
            ],
        )

    @put(
        "/users/{user_id:uuid}/roles",
        operation_id="setUserRoles",
        description="Audited. Removing your own admin role is 403 `self-demotion-forbidden`; "
        "removing the last admin's is 409 `last-admin`.",
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def set_roles(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        user_id: FromPath[uuid.UUID],
        data: JSONBody[RolesRequest],
    ) -> RolesOut:
        change = await set_user_roles(
            db, user_id, (role.value for role in data.roles), by=caller.user_id
        )
        await audit_request(
            db,
            request,
            caller,
            action="user.roles.set",
            object_type="user",
            object_id=str(user_id),
            summary={"before": change.before, "after": change.after},
        )
        return RolesOut(user_id, change.after)

    @get(
        "/audit-log",
        operation_id="listAuditLog",
        responses=problem_responses(400, 401, 403, 422),
    )
    async def audit_log(
        self,
        db: NamedDependency[AsyncSession],
        actor_id: Annotated[uuid.UUID | None, QueryParameter(name="actor")] = None,
        action: Annotated[str | None, QueryParameter(name="action", max_length=64)] = None,
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> AuditEntryPage:
        """Newest first; filter by `actor` (a user or partner id) and `action`."""
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        query = sa.select(AuditLog).where(
            keyset_before((col(AuditLog.created_at), col(AuditLog.id)), page.after)
        )
        if actor_id is not None:
            query = query.where(col(AuditLog.actor_id) == actor_id)
        if action is not None:
            query = query.where(col(AuditLog.action) == action)
        rows = (
            await db.scalars(
                query.order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc()).limit(
                    limit + 1
                )
            )
        ).all()
        items, next_cursor = make_page(rows, limit, lambda row: (row.created_at, row.id))
        return AuditEntryPage(
            items=[AuditEntryOut(**row.model_dump()) for row in items],
            next_cursor=next_cursor,
        )
