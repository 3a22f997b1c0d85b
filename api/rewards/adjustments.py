"""Admin adjustments of learners' points: file one (posted at once, or pending a second admin
above `ADJUSTMENT_APPROVAL_POINTS`), list the register, approve or decline a pending one."""

import hashlib
import uuid
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.audit import audit_request
from api.idempotency import IdempotencyKeyHeader, run_idempotent
from api.openapi import problem_responses
from api.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    keyset_before,
    make_page,
    page_request,
)
from api.problems import ProblemError
from api.rewards.adjusting import (
    AdjustmentAsked,
    adjustment_out,
    approve_adjustment,
    file_adjustment,
    posted_transaction,
    reject_adjustment,
)
from api.rewards.models import AdjustmentStatus, LedgerAdjustment
from api.rewards.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    AdjustmentRequestOut,
    AdjustmentRequestPage,
    RejectionIn,
)
from api.settings import Settings
from core.clock import Clock


def _checked(data: AdjustmentIn) -> str:
    problems = []
    if data.amount == 0:
        problems.append({"field": "amount", "message": "must not be 0"})
    reason = data.reason.strip()
    if not reason:
        problems.append({"field": "reason", "message": "required: say why"})
    if problems:
        raise ProblemError(422, "validation-error", message="adjustment-not-valid", errors=problems)
    return reason


def _ledger_key(admin_id: uuid.UUID, idempotency_key: str, data: AdjustmentIn) -> str:
    """Also unique in the ledger, so the same adjustment sent again after its Idempotency-Key
    record was purged posts nothing; the key covers who, whom and how much."""
    operation = f"{admin_id}:{idempotency_key}:{data.user_id}:{data.amount}"
    return f"adjust:{hashlib.sha256(operation.encode()).hexdigest()[:48]}"


class AdjustmentAdminController(Controller):
    path = "/v1/admin/ledger/adjustments"
    tags = ("admin",)
    guards = [requires_role(Role.ADMIN)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post(
        "",
        operation_id="adjustPoints",
        summary="Credit (amount > 0) or debit (amount < 0) a learner's points",
        description="Needs an `Idempotency-Key`; audited. Never the caller's own points (403 "
        "`self-adjustment-forbidden`). Up to `ADJUSTMENT_APPROVAL_POINTS` (absolute) it posts "
        "at once: 201 with the transaction. Above, it is 202 with the register entry, "
        "`status: pending`, and moves no points until a second admin approves it. A debit "
        "larger than the unexpired points is 409 `insufficient-points`.",
        responses={
            201: ResponseSpec(data_container=AdjustmentOut, description="Posted"),
            202: ResponseSpec(
                data_container=AdjustmentRequestOut, description="Pending a second admin"
            ),
            **problem_responses(400, 401, 403, 404, 409, 422),
        },
    )
    async def adjust(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        data: JSONBody[AdjustmentIn],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[Any]:
        note = _checked(data)

        async def effect() -> tuple[int, Any]:
            asked = AdjustmentAsked(
                user_id=data.user_id,
                amount=data.amount,
                reason=note,
                requested_by=caller.user_id,
                ledger_key=_ledger_key(caller.user_id, idempotency_key or "", data),
            )
            row, new = await file_adjustment(
                db,
                asked,
                now=clock.now(),
                threshold=settings.adjustment_approval_points,
                lot_days=settings.points_expiry_days,
            )
            if new:
                await _audit(db, request, caller, row, "ledger.adjust")
            if row.status == AdjustmentStatus.POSTED:
                return 201, await posted_transaction(db, row)
            return 202, adjustment_out(row)

        return await run_idempotent(
            db,
            request,
            clock,
            caller=f"user:{caller.user_id}",
            key=idempotency_key,
            body=data,
            effect=effect,
        )

    @get("", operation_id="listAdjustments", responses=problem_responses(400, 401, 403, 422))
    async def register(
        self,
        db: NamedDependency[AsyncSession],
        status: Annotated[AdjustmentStatus | None, QueryParameter(name="status")] = None,
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> AdjustmentRequestPage:
        """The adjustment register, newest first; `?status=pending` is the approval queue."""
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        key = (col(LedgerAdjustment.requested_at), col(LedgerAdjustment.id))
        query = sa.select(LedgerAdjustment).where(keyset_before(key, page.after))
        if status is not None:
            query = query.where(col(LedgerAdjustment.status) == status)
        rows = (
            await db.scalars(query.order_by(*(part.desc() for part in key)).limit(limit + 1))
        ).all()
        items, next_cursor = make_page(rows, limit, lambda row: (row.requested_at, row.id))
        return AdjustmentRequestPage(
            items=[adjustment_out(row) for row in items], next_cursor=next_cursor
        )

    @post(
        "/{adjustment_id:uuid}/approval",
        operation_id="approveAdjustment",
        status_code=200,
        summary="Approve a pending adjustment: it posts now",
        description="By an admin other than its requester (403 `approver-is-requester`) and its "
        "beneficiary; audited. Not pending (already approved or declined) is 409 "
        "`adjustment-not-pending`.",
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def approve(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        adjustment_id: FromPath[uuid.UUID],
    ) -> AdjustmentRequestOut:
        row = await approve_adjustment(
            db,
            adjustment_id,
            approver=caller.user_id,
            now=clock.now(),
            lot_days=settings.points_expiry_days,
        )
        await _audit(db, request, caller, row, "ledger.adjust.approve")
        return adjustment_out(row)

    @post(
        "/{adjustment_id:uuid}/rejection",
        operation_id="rejectAdjustment",
        status_code=200,
        summary="Decline a pending adjustment, with a reason",
        description="Any admin; its requester declining it withdraws it. Audited. Not pending "
        "is 409 `adjustment-not-pending`.",
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def reject(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        adjustment_id: FromPath[uuid.UUID],
        data: JSONBody[RejectionIn],
    ) -> AdjustmentRequestOut:
        reason = data.reason.strip()
        if not reason:
            raise ProblemError(
                422,
                "validation-error",
                message="reason-required",
                errors=[{"field": "reason", "message": "blank"}],
            )
        row = await reject_adjustment(
            db, adjustment_id, admin=caller.user_id, reason=reason, now=clock.now()
        )
        await _audit(db, request, caller, row, "ledger.adjust.reject")
        return adjustment_out(row)


async def _audit(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    caller: Caller,
    row: LedgerAdjustment,
    action: str,
) -> None:
    summary: dict[str, Any] = {
        "user_id": str(row.user_id),
        "amount": row.amount,
        "reason": row.decision_reason or row.reason,
        "status": row.status,
        "adjustment_id": str(row.id),
    }
    if row.transaction_id is not None:
        summary["transaction_id"] = str(row.transaction_id)
    await audit_request(
        db,
        request,
        caller,
        action=action,
        object_type="ledger_transaction" if row.transaction_id else "ledger_adjustment",
        object_id=str(row.transaction_id or row.id),
        summary=summary,
    )
