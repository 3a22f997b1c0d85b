"""Admin corrections of the ledger: adjustments (credit or debit a learner's points, once per
key) and reversals of a posted transaction (once), each with a reason, audited."""

import hashlib
import uuid
from typing import Any

import sqlalchemy as sa
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.accounts.models import UserAccount
from api.audit import record_audit
from api.idempotency import IdempotencyKeyHeader, run_idempotent
from api.openapi import problem_responses
from api.problems import ProblemError
from api.request_id import request_id_of
from api.rewards.schemas import AdjustmentIn, AdjustmentOut, ReversalIn, ReversalOut
from api.settings import Settings
from core.clock import Clock
from gamification.ledger.models import AccountKind, LedgerEntry, LedgerTransaction, TransactionKind
from gamification.ledger.operations import credit, reverse, spend


def _checked(data: AdjustmentIn) -> str:
    problems = []
    if data.amount == 0:
        problems.append({"field": "amount", "message": "must not be 0"})
    reason = data.reason.strip()
    if not reason:
        problems.append({"field": "reason", "message": "required: say why"})
    if problems:
        raise ProblemError(422, "validation-error", "The adjustment is not valid.", errors=problems)
    return reason


def _ledger_key(admin_id: uuid.UUID, idempotency_key: str, data: AdjustmentIn) -> str:
    """Also unique in the ledger, so the same adjustment sent again after its Idempotency-Key
    record was purged posts nothing; the key covers who, whom and how much."""
    operation = f"{admin_id}:{idempotency_key}:{data.user_id}:{data.amount}"
    return f"adjust:{hashlib.sha256(operation.encode()).hexdigest()[:48]}"


class LedgerAdminController(Controller):
    path = "/v1/admin/ledger"
    tags = ("admin",)
    guards = [requires_role(Role.ADMIN)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post(
        "/adjustments",
        operation_id="adjustPoints",
        status_code=201,
        summary="Credit (amount > 0) or debit (amount < 0) a learner's points",
        description="Needs an `Idempotency-Key`; audited. A debit larger than the unexpired "
        "points is 409 `insufficient-points`.",
        responses=problem_responses(400, 401, 403, 404, 409, 422),
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
            await _ensure_user(db, data.user_id)
            now = clock.now()
            key = _ledger_key(caller.user_id, idempotency_key or "", data)
            reason = {"code": "adjustment", "note": note, "by": str(caller.user_id)}
            common: dict[str, Any] = {
                "user_id": data.user_id,
                "kind": TransactionKind.ADJUST,
                "key": key,
                "reference": f"adjustment:{data.user_id}",
                "reason": reason,
                "now": now,
            }
            if data.amount > 0:
                posted = await credit(
                    db, points=data.amount, lot_days=settings.points_expiry_days, **common
                )
            else:
                posted = await spend(db, points=-data.amount, to=AccountKind.ISSUANCE, **common)
            transaction = await _transaction_of(db, key, data.user_id)
            if not posted.posted:  # the same adjustment was made before: nothing new to audit
                return 201, transaction
            await record_audit(
                db,
                clock,
                actor_kind="user",
                actor_id=caller.user_id,
                action="ledger.adjust",
                object_type="ledger_transaction",
                object_id=str(transaction.id),
                summary={"user_id": str(data.user_id), "amount": data.amount, "reason": note},
                request_id=request_id_of(request.scope),
            )
            return 201, transaction

        return await run_idempotent(
            db,
            request,
            clock,
            caller=f"user:{caller.user_id}",
            key=idempotency_key,
            body=data,
            effect=effect,
        )

    @post(
        "/transactions/{transaction_id:uuid}/reversal",
        operation_id="reverseTransaction",
        status_code=201,
        summary="Correct a ledger transaction by posting its opposite (once)",
        description="Ledger history is never edited: a correction is a new transaction. Points "
        "taken back come from the soonest-expiring lots (409 `insufficient-points` if spent); "
        "a second reversal is 409 `already-reversed`; expiries are final (409 `not-reversible`).",
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def reverse_transaction(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        transaction_id: FromPath[uuid.UUID],
        data: JSONBody[ReversalIn],
    ) -> ReversalOut:
        note = data.reason.strip()
        if not note:
            raise ProblemError(
                422,
                "validation-error",
                "Say why.",
                errors=[{"field": "reason", "message": "blank"}],
            )
        reason = {"code": "reversal", "note": note, "by": str(caller.user_id)}
        posted = await reverse(
            db, transaction_id, reason=reason, now=clock.now(), lot_days=settings.points_expiry_days
        )
        assert posted.transaction_id is not None  # reverse() posts or raises
        await record_audit(
            db,
            clock,
            actor_kind="user",
            actor_id=caller.user_id,
            action="ledger.reverse",
            object_type="ledger_transaction",
            object_id=str(transaction_id),
            summary={"reversal_id": str(posted.transaction_id), "reason": note},
            request_id=request_id_of(request.scope),
        )
        return ReversalOut(posted.transaction_id, transaction_id, posted.balances)


async def _ensure_user(db: AsyncSession, user_id: uuid.UUID) -> None:
    found = await db.scalar(
        sa.select(col(UserAccount.id)).where(
            col(UserAccount.id) == user_id, col(UserAccount.deleted_at).is_(None)
        )
    )
    if found is None:
        raise ProblemError(404, "not-found", "No such user.")


async def _transaction_of(db: AsyncSession, key: str, user_id: uuid.UUID) -> AdjustmentOut:
    """The adjustment as posted (or as posted before, when its key was already used)."""
    row = (
        await db.execute(
            sa.select(LedgerTransaction, LedgerEntry)
            .join(LedgerEntry, col(LedgerEntry.transaction_id) == col(LedgerTransaction.id))
            .where(
                col(LedgerTransaction.idempotency_key) == key,
                col(LedgerEntry.balance_after).is_not(None),
            )
        )
    ).one()
    transaction, entry = row
    return AdjustmentOut(
        id=transaction.id,
        user_id=user_id,
        amount=entry.amount,
        kind=transaction.kind,
        reason=str(transaction.reason.get("note", "")),
        balance_after=entry.balance_after or 0,
        created_at=transaction.created_at,
    )
