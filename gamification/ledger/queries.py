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


# Built once: the wallet after every award and redemption runs it. The database function
# (migration 0019) is the one definition of a balance: `reward_award` returns it too.
_BALANCES = sa.text(
    "SELECT points, xp, expiring_points, expiring_at "
    "FROM ledger_balances(:user_id, :now, :expiring_before)"
)


def expiring_before(now: datetime) -> datetime:
    """The end of the window whose expiring points the wallet lists."""
    return now + EXPIRING_WINDOW


def balances_of(row: Any) -> Balances:
    """Balances from a row with `ledger_balances`' columns (points, xp, expiring_points,
    expiring_at)."""
    pairs = zip(row.expiring_points, row.expiring_at, strict=True)
    expiring = [(int(points), at) for points, at in pairs]
    return Balances(points=int(row.points), xp=int(row.xp), expiring=expiring)


async def balances(db: AsyncSession, user_id: uuid.UUID, *, now: datetime) -> Balances:
    params = {"user_id": user_id, "now": now, "expiring_before": expiring_before(now)}
    return balances_of((await db.execute(_BALANCES, params)).one())


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
