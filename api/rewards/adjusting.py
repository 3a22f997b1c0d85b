"""Admin adjustments of a learner's points, with separation of duties.

Every adjustment is written to a register (`ledger_adjustment`). One at or below the approval
threshold posts at once; a larger one waits, `pending`, until a second admin (neither its
requester nor its beneficiary) approves it, or an admin declines it. Both ways post through
the same ledger call, key and reference, so an adjustment can move points only once.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.models import UserAccount
from api.rewards.errors import (
    AdjustedUserNotFound,
    AdjustmentNotFound,
    AdjustmentNotPending,
    ApproverIsRequester,
    SelfAdjustmentForbidden,
    SelfApprovalForbidden,
)
from api.rewards.models import AdjustmentStatus, LedgerAdjustment
from api.rewards.schemas import AdjustmentOut, AdjustmentRequestOut
from gamification.ledger.models import AccountKind, LedgerEntry, LedgerTransaction, TransactionKind
from gamification.ledger.operations import credit, spend


@dataclass(frozen=True)
class AdjustmentAsked:
    """What an admin asked for: `ledger_key` identifies the operation (see `file_adjustment`)."""

    user_id: uuid.UUID
    amount: int
    reason: str
    requested_by: uuid.UUID
    ledger_key: str


async def file_adjustment(
    db: AsyncSession, asked: AdjustmentAsked, *, now: datetime, threshold: int, lot_days: int
) -> tuple[LedgerAdjustment, bool]:
    """Register an adjustment and post it at once, unless its size needs a second admin.
    The same operation filed again (its Idempotency-Key record purged) changes nothing and
    returns the first one, with False."""
    if asked.requested_by == asked.user_id:
        raise SelfAdjustmentForbidden()
    await _ensure_live_user(db, asked.user_id)
    filed = await db.scalar(
        sa.select(LedgerAdjustment).where(col(LedgerAdjustment.ledger_key) == asked.ledger_key)
    )
    if filed is not None:
        return filed, False
    row = LedgerAdjustment(
        ledger_key=asked.ledger_key,
        user_id=asked.user_id,
        amount=asked.amount,
        reason=asked.reason,
        status=AdjustmentStatus.PENDING,
        requested_by=asked.requested_by,
        requested_at=now,
    )
    db.add(row)
    if abs(asked.amount) <= threshold:
        await _post(db, row, approver=None, now=now, lot_days=lot_days)
    await db.flush()
    return row, True


async def approve_adjustment(
    db: AsyncSession, adjustment_id: uuid.UUID, *, approver: uuid.UUID, now: datetime, lot_days: int
) -> LedgerAdjustment:
    """Post a pending adjustment. Its row is locked first, so of two admins approving at once
    one posts and the other finds it no longer pending."""
    row = await _locked_pending(db, adjustment_id)
    if approver == row.requested_by:
        raise ApproverIsRequester()
    if approver == row.user_id:
        raise SelfApprovalForbidden()
    await _ensure_live_user(db, row.user_id)
    await _post(db, row, approver=approver, now=now, lot_days=lot_days)
    await db.flush()
    return row


async def reject_adjustment(
    db: AsyncSession, adjustment_id: uuid.UUID, *, admin: uuid.UUID, reason: str, now: datetime
) -> LedgerAdjustment:
    """Decline a pending adjustment (any admin, its requester included: that withdraws it)."""
    row = await _locked_pending(db, adjustment_id)
    row.status = AdjustmentStatus.REJECTED
    row.decided_by, row.decided_at, row.decision_reason = admin, now, reason
    await db.flush()
    return row


async def _locked_pending(db: AsyncSession, adjustment_id: uuid.UUID) -> LedgerAdjustment:
    row = await db.scalar(
        sa.select(LedgerAdjustment)
        .where(col(LedgerAdjustment.id) == adjustment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise AdjustmentNotFound()
    if row.status != AdjustmentStatus.PENDING:
        raise AdjustmentNotPending(status=row.status)
    return row


async def _post(
    db: AsyncSession,
    row: LedgerAdjustment,
    *,
    approver: uuid.UUID | None,
    now: datetime,
    lot_days: int,
) -> None:
    reason: dict[str, Any] = {"code": "adjustment", "note": row.reason, "by": str(row.requested_by)}
    if approver is not None:
        reason["approved_by"] = str(approver)
    common: dict[str, Any] = {
        "user_id": row.user_id,
        "kind": TransactionKind.ADJUST,
        "key": row.ledger_key,
        "reference": f"adjustment:{row.user_id}",
        "reason": reason,
        "now": now,
    }
    if row.amount > 0:
        await credit(db, points=row.amount, lot_days=lot_days, **common)
    else:
        await spend(db, points=-row.amount, to=AccountKind.ISSUANCE, **common)
    # Posted now, or before this register existed under the same key: either way, this one.
    row.transaction_id = await db.scalar(
        sa.select(col(LedgerTransaction.id)).where(
            col(LedgerTransaction.idempotency_key) == row.ledger_key
        )
    )
    row.status = AdjustmentStatus.POSTED
    row.decided_by, row.decided_at = approver, now


async def _ensure_live_user(db: AsyncSession, user_id: uuid.UUID) -> None:
    found = await db.scalar(
        sa.select(col(UserAccount.id)).where(
            col(UserAccount.id) == user_id, col(UserAccount.deleted_at).is_(None)
        )
    )
    if found is None:
        raise AdjustedUserNotFound()


async def posted_transaction(db: AsyncSession, row: LedgerAdjustment) -> AdjustmentOut:
    """The ledger transaction a posted adjustment made, with the user's balance after it."""
    transaction, entry = (
        await db.execute(
            sa.select(LedgerTransaction, LedgerEntry)
            .join(LedgerEntry, col(LedgerEntry.transaction_id) == col(LedgerTransaction.id))
            .where(
                col(LedgerTransaction.id) == row.transaction_id,
                col(LedgerEntry.balance_after).is_not(None),
            )
        )
    ).one()
    return AdjustmentOut(
        id=transaction.id,
        user_id=row.user_id,
        amount=entry.amount,
        kind=transaction.kind,
        reason=str(transaction.reason.get("note", "")),
        balance_after=entry.balance_after or 0,
        created_at=transaction.created_at,
        adjustment_id=row.id,
    )


def adjustment_out(row: LedgerAdjustment) -> AdjustmentRequestOut:
    return AdjustmentRequestOut(
        id=row.id,
        user_id=row.user_id,
        amount=row.amount,
        reason=row.reason,
        status=row.status,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
        transaction_id=row.transaction_id,
    )
