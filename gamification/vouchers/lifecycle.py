"""An issued voucher's life: its owner lists it, the broker looks it up and consumes it, an admin
may revoke it while unused (refunding the points), and the daily job expires it."""

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.ledger.models import Currency, TransactionKind
from gamification.ledger.operations import credit
from gamification.ledger.queries import balances
from gamification.vouchers.codes import normalise_code
from gamification.vouchers.errors import (
    AlreadyConsumed,
    NotRevocable,
    VoucherCodeUnknown,
    VoucherExpired,
    VoucherNotFound,
    VoucherRevoked,
)
from gamification.vouchers.models import Voucher, VoucherStatus


def status_at(voucher: Voucher, now: datetime) -> str:
    """The status as the owner and the broker should see it: an issued voucher past its expiry
    is expired even before the daily job has marked it."""
    if voucher.status == VoucherStatus.ISSUED and voucher.expires_at <= now:
        return VoucherStatus.EXPIRED
    return voucher.status


async def user_vouchers(
    db: AsyncSession,
    user_id: uuid.UUID,
    *,
    now: datetime,
    status: str | None,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[Voucher]:
    """The user's vouchers, newest first, optionally only those with `status` (as of now)."""
    query = sa.select(Voucher).where(col(Voucher.user_id) == user_id)
    if status == VoucherStatus.ISSUED:
        query = query.where(col(Voucher.status) == status, col(Voucher.expires_at) > now)
    elif status == VoucherStatus.EXPIRED:
        query = query.where(
            sa.or_(
                col(Voucher.status) == status,
                sa.and_(
                    col(Voucher.status) == VoucherStatus.ISSUED, col(Voucher.expires_at) <= now
                ),
            )
        )
    elif status is not None:
        query = query.where(col(Voucher.status) == status)
    if after is not None:
        query = query.where(sa.tuple_(col(Voucher.issued_at), col(Voucher.id)) < sa.tuple_(*after))
    rows = await db.scalars(
        query.order_by(col(Voucher.issued_at).desc(), col(Voucher.id).desc()).limit(limit)
    )
    return list(rows.all())


async def user_voucher(db: AsyncSession, user_id: uuid.UUID, voucher_id: uuid.UUID) -> Voucher:
    """One of the user's vouchers; anyone else's is as unknown as a missing one."""
    voucher = await db.scalar(
        sa.select(Voucher).where(col(Voucher.id) == voucher_id, col(Voucher.user_id) == user_id)
    )
    if voucher is None:
        raise VoucherNotFound()
    return voucher


async def voucher_by_code(db: AsyncSession, typed_code: str, *, lock: bool = False) -> Voucher:
    code = normalise_code(typed_code)
    if code is None:
        raise VoucherCodeUnknown()
    query = sa.select(Voucher).where(col(Voucher.code) == code)
    if lock:
        query = query.with_for_update(key_share=True)
    voucher = (await db.scalars(query.execution_options(populate_existing=True))).one_or_none()
    if voucher is None:
        raise VoucherCodeUnknown()
    return voucher


@dataclass(frozen=True)
class Consumption:
    voucher: Voucher
    first_time: bool  # False when this reference had already consumed it: nothing changed


async def consume_voucher(
    db: AsyncSession,
    typed_code: str,
    *,
    reference: str,
    partner_id: uuid.UUID,
    now: datetime,
) -> Consumption:
    """Mark the voucher used by the broker's trade or subscription `reference`. The same
    reference again is a no-op success; any other use of a used voucher is refused."""
    voucher = await voucher_by_code(db, typed_code, lock=True)
    if voucher.status == VoucherStatus.CONSUMED:
        if voucher.consumed_reference == reference:
            return Consumption(voucher, first_time=False)
        raise AlreadyConsumed()
    _ensure_live(voucher, now)
    await db.execute(
        sa.update(Voucher)
        .where(col(Voucher.id) == voucher.id)
        .values(
            status=VoucherStatus.CONSUMED,
            consumed_at=now,
            consumed_reference=reference,
            consumed_by=partner_id,
        )
    )
    await db.refresh(voucher)
    return Consumption(voucher, first_time=True)


async def revoke_voucher(
    db: AsyncSession,
    voucher_id: uuid.UUID,
    *,
    revoked_by: uuid.UUID,
    reason: str,
    now: datetime,
) -> tuple[Voucher, int]:
    """Revoke an unused, unexpired voucher and refund its points as a new ledger transaction;
    return it and the owner's points balance after. The unit of stock is not put back."""
    voucher = (
        await db.scalars(
            sa.select(Voucher)
            .where(col(Voucher.id) == voucher_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if voucher is None:
        raise VoucherNotFound()
    if status_at(voucher, now) != VoucherStatus.ISSUED:
        raise NotRevocable(status=status_at(voucher, now))
    refund = await credit(
        db,
        user_id=voucher.user_id,
        points=voucher.points_price,  # 0 for a voucher a campaign granted: nothing to refund
        kind=TransactionKind.REFUND,
        key=f"voucher-refund:{voucher.id}",
        reference=f"voucher:{voucher.id}",
        reason={"code": "voucher_revoked", "voucher_id": str(voucher.id), "note": reason},
        now=now,
    )
    await db.execute(
        sa.update(Voucher)
        .where(col(Voucher.id) == voucher.id)
        .values(
            status=VoucherStatus.REVOKED,
            revoked_at=now,
            revoked_by=revoked_by,
            revoked_reason=reason,
            refund_transaction_id=refund.transaction_id,
        )
    )
    await db.refresh(voucher)
    if not refund.posted:
        return voucher, (await balances(db, voucher.user_id, now=now)).points
    return voucher, refund.balances[Currency.POINTS]


def _ensure_live(voucher: Voucher, now: datetime) -> None:
    status = status_at(voucher, now)
    if status == VoucherStatus.EXPIRED:
        raise VoucherExpired()
    if status == VoucherStatus.REVOKED:
        raise VoucherRevoked()
