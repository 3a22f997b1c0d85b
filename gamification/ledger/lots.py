"""Points lots: each credit opens one; debits take from the lots that expire soonest."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from gamification.ledger.errors import InsufficientPoints
from gamification.ledger.models import LedgerAccount, PointsLot


async def lock_account(db: AsyncSession, account_id: uuid.UUID) -> None:
    """Every operation that touches lots locks the account row first, then the lots: one lock
    order everywhere, so spends, reversals and expiry of one user never deadlock."""
    await db.execute(
        sa.select(col(LedgerAccount.id))
        .where(col(LedgerAccount.id) == account_id)
        .with_for_update()
    )


async def open_lot(
    db: AsyncSession,
    account_id: uuid.UUID,
    transaction_id: uuid.UUID,
    amount: int,
    *,
    now: datetime,
    expires_at: datetime,
) -> None:
    await db.execute(
        _OPEN_LOT,
        {
            "id": new_id(),
            "account_id": account_id,
            "transaction_id": transaction_id,
            "amount": amount,
            "earned_at": now,
            "expires_at": expires_at,
        },
    )


_OPEN_LOT = sa.insert(PointsLot).values(
    id=sa.bindparam("id"),
    account_id=sa.bindparam("account_id"),
    transaction_id=sa.bindparam("transaction_id"),
    amount=sa.bindparam("amount", type_=sa.BigInteger),
    remaining=sa.bindparam("amount", type_=sa.BigInteger),
    earned_at=sa.bindparam("earned_at"),
    expires_at=sa.bindparam("expires_at"),
)


async def take_from_lots(
    db: AsyncSession, account_id: uuid.UUID, points: int, *, now: datetime
) -> None:
    """Consume `points` from live lots, oldest expiry first. Lots past their expiry are never
    spent, even before the expiry job has run. Call with the account locked."""
    lots = (
        await db.scalars(
            sa.select(PointsLot)
            .where(
                col(PointsLot.account_id) == account_id,
                col(PointsLot.remaining) > 0,
                col(PointsLot.expires_at) > now,
            )
            .order_by(col(PointsLot.expires_at), col(PointsLot.id))
            .with_for_update()
        )
    ).all()
    if sum(lot.remaining for lot in lots) < points:
        raise InsufficientPoints(f"Not enough unexpired points to cover {points}.")
    left = points
    for lot in lots:
        if left == 0:
            break
        taken = min(lot.remaining, left)
        await db.execute(
            sa.update(PointsLot)
            .where(col(PointsLot.id) == lot.id)
            .values(remaining=col(PointsLot.remaining) - taken)
        )
        left -= taken
