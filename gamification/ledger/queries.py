"""Reading the ledger: a user's balances, what expires soon, and their history."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.ledger.models import (
    Currency,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PointsLot,
)

EXPIRING_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Balances:
    points: int  # spendable now: lots past their expiry are not counted
    xp: int
    expiring: list[tuple[int, datetime]]  # (points, expires_at) within the next 30 days


@dataclass(frozen=True)
class HistoryEntry:
    id: uuid.UUID
    seq: int
    transaction_id: uuid.UUID
    amount: int
    balance_after: int | None
    kind: str
    reference: str
    reason: dict[str, Any]
    created_at: datetime


# Built once: the wallet after every award and redemption runs it. One read for both
# balances: each of the user's accounts, and for the points account its live lots summed
# per expiry (a points account without live lots, and the XP account, give one row of NULLs).
_BALANCES = (
    sa.select(
        col(LedgerAccount.currency),
        col(LedgerAccount.balance),
        col(PointsLot.expires_at),
        sa.func.sum(PointsLot.remaining),
    )
    .select_from(LedgerAccount)
    .outerjoin(
        PointsLot,
        sa.and_(
            col(PointsLot.account_id) == col(LedgerAccount.id),
            col(LedgerAccount.currency) == Currency.POINTS.value,
            col(PointsLot.remaining) > 0,
            col(PointsLot.expires_at) > sa.bindparam("now"),
        ),
    )
    .where(col(LedgerAccount.user_id) == sa.bindparam("user_id"))
    .group_by(col(LedgerAccount.currency), col(LedgerAccount.balance), col(PointsLot.expires_at))
    .order_by(col(PointsLot.expires_at))
)


async def balances(db: AsyncSession, user_id: uuid.UUID, *, now: datetime) -> Balances:
    rows = (await db.execute(_BALANCES, {"user_id": user_id, "now": now})).all()
    xp = next((int(balance) for currency, balance, _, _ in rows if currency == Currency.XP), 0)
    live = [
        (at, int(points))
        for currency, _, at, points in rows
        if currency == Currency.POINTS and at is not None
    ]
    expiring = [(points, at) for at, points in live if at <= now + EXPIRING_WINDOW]
    return Balances(points=sum(points for _, points in live), xp=xp, expiring=expiring)


async def history(
    db: AsyncSession,
    user_id: uuid.UUID,
    *,
    currency: Currency,
    before_seq: int | None,
    limit: int | None,
) -> list[HistoryEntry]:
    """The user's postings in `currency`, newest first, `limit` of them (all if None) after
    the cursor."""
    query = (
        sa.select(LedgerEntry, LedgerTransaction)
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerEntry.transaction_id))
        .join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
        .where(col(LedgerAccount.user_id) == user_id, col(LedgerAccount.currency) == currency)
        .order_by(col(LedgerEntry.seq).desc())
        .limit(limit)
    )
    if before_seq is not None:
        query = query.where(col(LedgerEntry.seq) < before_seq)
    return [
        HistoryEntry(
            id=entry.id,
            seq=int(entry.seq or 0),
            transaction_id=entry.transaction_id,
            amount=entry.amount,
            balance_after=entry.balance_after,
            kind=tx.kind,
            reference=tx.reference,
            reason=tx.reason,
            created_at=entry.created_at,
        )
        for entry, tx in (await db.execute(query)).all()
    ]
