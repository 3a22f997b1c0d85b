"""The audit log: who did what to which object, for every editor, marketer, admin and partner."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from litestar import Request
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from api.accounts.caller import Caller, PartnerCaller
from api.request_id import request_id_of
from core.clock import Clock
from core.tables import id_field, utc_timestamp


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_created_at_id", "created_at", "id"),)

    id: uuid.UUID = id_field()
    actor_kind: str = Field(max_length=16)  # user | partner | system
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(max_length=64)
    object_id: str = Field(max_length=128)
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    request_id: str | None = Field(default=None, max_length=128)
    created_at: datetime = utc_timestamp()


async def record_audit(
    db: AsyncSession,
    clock: Clock,
    *,
    actor_kind: str,
    actor_id: uuid.UUID | None,
    action: str,
    object_type: str,
    object_id: str,
    summary: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> AuditLog:
    """Add an audit entry to the caller's transaction: it lands with the action or not at all."""
    entry = AuditLog(
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary or {},
        request_id=request_id,
        created_at=clock.now(),
    )
    db.add(entry)
    return entry


async def audit_request(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    actor: Caller | PartnerCaller,
    *,
    action: str,
    object_type: str,
    object_id: str,
    summary: dict[str, Any] | None = None,
) -> AuditLog:
    """Audit an HTTP request's change in its transaction, as done by the calling user or
    partner, at the app's clock time, with the request id its logs and response carry."""
    if isinstance(actor, PartnerCaller):
        actor_kind, actor_id = "partner", actor.partner_id
    else:
        actor_kind, actor_id = "user", actor.user_id
    clock: Clock = request.app.state.clock
    return await record_audit(
        db,
        clock,
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary,
        request_id=request_id_of(request.scope),
    )
