"""Points lots: each credit opens one; debits take from the lots that expire soonest."""

import uuid
from datetime import datetime
from typing import Any

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
    await open_lots(
        db, [lot_row(account_id, transaction_id, amount, now=now, expires_at=expires_at)]
    )


def lot_row(
    account_id: uuid.UUID,
    transaction_id: uuid.UUID,
    amount: int,
    *,
    now: datetime,
    expires_at: datetime,
) -> dict[str, Any]:
    """A new lot with all of `amount` remaining, for `open_lots`."""
    return {
        "id": new_id(),
        "account_id": account_id,
        "transaction_id": transaction_id,
        "amount": amount,
        "remaining": amount,
        "earned_at": now,
        "expires_at": expires_at,
    }


async def open_lots(db: AsyncSession, lots: list[dict[str, Any]]) -> None:
    if lots:
        await db.execute(_OPEN_LOTS, lots)


# Built once: every credit and spend runs these. Inserting through the table (Core) sends
# many lots as one executemany.
_OPEN_LOTS = sa.insert(PointsLot.__table__)  # type: ignore[attr-defined]
_LIVE_LOTS_FOR_UPDATE = (
    sa.select(col(PointsLot.id), col(PointsLot.remaining))
    .where(
        col(PointsLot.account_id) == sa.bindparam("account_id"),
        col(PointsLot.remaining) > 0,
        col(PointsLot.expires_at) > sa.bindparam("now"),
    )
    .order_by(col(PointsLot.expires_at), col(PointsLot.id))
    .with_for_update()
)
_TAKE_FROM_LOT = (
    sa.update(PointsLot)
    .where(col(PointsLot.id) == sa.bindparam("lot_id"))
    .values(remaining=col(PointsLot.remaining) - sa.bindparam("taken", type_=sa.BigInteger))
)


async def take_from_lots(
    db: AsyncSession, account_id: uuid.UUID, points: int, *, now: datetime
) -> None:
    """Consume `points` from live lots, oldest expiry first. Lots past their expiry are never
    spent, even before the expiry job has run. Call with the account locked."""
    lots = (await db.execute(_LIVE_LOTS_FOR_UPDATE, {"account_id": account_id, "now": now})).all()
    if sum(remaining for _, remaining in lots) < points:
        raise InsufficientPoints(points=points)
    left = points
    for lot_id, remaining in lots:
        if left == 0:
            break
        taken = min(remaining, left)
        await db.execute(_TAKE_FROM_LOT, {"lot_id": lot_id, "taken": taken})
        left -= taken
