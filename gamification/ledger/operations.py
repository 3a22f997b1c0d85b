"""What the rest of the app does with points and XP: earn, spend, refund, adjust, expire, reverse.

Every operation is idempotent by its key: running it again (or concurrently) with the same key
changes nothing and reports `posted=False`.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.ledger.accounts import system_account
from gamification.ledger.errors import (
    AlreadyReversed,
    InsufficientPoints,
    NotReversible,
    TransactionNotFound,
)
from gamification.ledger.lots import lock_account, open_lot, take_from_lots
from gamification.ledger.models import (
    AccountKind,
    Currency,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PointsLot,
    TransactionKind,
)
from gamification.ledger.posting import Posting, apply, claim

DEFAULT_LOT_DAYS = 365


@dataclass(frozen=True)
class Posted:
    transaction_id: uuid.UUID | None
    posted: bool  # False when the key had already been used: nothing changed this time
    balances: dict[str, int] = field(default_factory=dict)  # currency -> user balance after


# Built once: each operation below is one call of its database function (migration 0011).
_EARN = sa.text(
    "SELECT transaction_id, points_balance, xp_balance FROM ledger_earn("
    ":key, :kind, :reference, :reason, :user_id, :points, :xp, :now, :lot_days)"
).bindparams(sa.bindparam("reason", type_=JSONB))
_EARN_MANY = sa.text(
    "SELECT item, transaction_id, points_balance, xp_balance FROM ledger_earn_many("
    ":kind, :now, :keys, :references, :reasons, :user_ids, :points, :xp, :lot_days)"
).bindparams(sa.bindparam("reasons", type_=ARRAY(JSONB)))
_SPEND = sa.text(
    "SELECT outcome, transaction_id, points_balance FROM ledger_spend("
    ":key, :kind, :reference, :reason, :user_id, :points, :to_account, :now)"
).bindparams(sa.bindparam("reason", type_=JSONB))
ALREADY_POSTED = "already-posted"  # `ledger_spend`'s outcome for a key used before


async def earn(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    points: int,
    xp: int,
    key: str,
    reference: str,
    reason: dict[str, Any],
    now: datetime,
    lot_days: int = DEFAULT_LOT_DAYS,
) -> Posted:
    """Credit points (as a lot that expires after `lot_days`) and XP, from issuance."""
    return await _credit(
        db,
        user_id=user_id,
        points=points,
        xp=xp,
        kind=TransactionKind.EARN,
        key=key,
        reference=reference,
        reason=reason,
        now=now,
        lot_days=lot_days,
    )


async def credit(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    points: int,
    kind: TransactionKind,
    key: str,
    reference: str,
    reason: dict[str, Any],
    now: datetime,
    lot_days: int = DEFAULT_LOT_DAYS,
) -> Posted:
    """Credit points from issuance outside a reward: refunds and admin adjustments."""
    return await _credit(
        db,
        user_id=user_id,
        points=points,
        xp=0,
        kind=kind,
        key=key,
        reference=reference,
        reason=reason,
        now=now,
        lot_days=lot_days,
    )


async def _credit(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    points: int,
    xp: int,
    kind: TransactionKind,
    key: str,
    reference: str,
    reason: dict[str, Any],
    now: datetime,
    lot_days: int,
) -> Posted:
    """Claim the key and credit the user's accounts (opened on first use) from issuance, with
    a lot for points; posted=False when the key was used or there is nothing to post."""
    if points < 0 or xp < 0:
        raise ValueError("earn amounts are never negative")
    if points == 0 and xp == 0:
        return Posted(None, posted=False)  # nothing to post: no empty transaction
    params = {
        "key": key,
        "kind": str(kind),
        "reference": reference,
        "reason": reason,
        "user_id": user_id,
        "points": points,
        "xp": xp,
        "now": now,
        "lot_days": lot_days,
    }
    row = (await db.execute(_EARN, params)).first()
    if row is None:
        return Posted(None, posted=False)
    return _posted(row.transaction_id, row.points_balance, row.xp_balance)


def _posted(tx: uuid.UUID, points_balance: int | None, xp_balance: int | None) -> Posted:
    """An earn that posted, with the balance after of each currency it credited."""
    balances = {
        currency.value: int(balance)
        for currency, balance in ((Currency.POINTS, points_balance), (Currency.XP, xp_balance))
        if balance is not None
    }
    return Posted(tx, posted=True, balances=balances)


@dataclass(frozen=True)
class Earn:
    """One earn of a bulk award (`earn_many`); the arguments of `earn`."""

    user_id: uuid.UUID
    points: int
    xp: int
    key: str
    reference: str
    reason: dict[str, Any]
    lot_days: int = DEFAULT_LOT_DAYS


async def earn_many(db: AsyncSession, earns: Sequence[Earn], *, now: datetime) -> list[Posted]:
    """`earn` each of `earns`, with the same result as calling it once per earn, in order, in
    one transaction, but in one statement: the keys are claimed together, then the earns
    posted in the order of `earns`, which is the order their accounts are locked in (pass
    users in id order so that concurrent awards cannot deadlock)."""
    if any(item.points < 0 or item.xp < 0 for item in earns):
        raise ValueError("earn amounts are never negative")
    results = [Posted(None, posted=False)] * len(earns)
    if not earns:
        return results
    params = {
        "kind": TransactionKind.EARN.value,
        "now": now,
        "keys": [item.key for item in earns],
        "references": [item.reference for item in earns],
        "reasons": [item.reason for item in earns],
        "user_ids": [item.user_id for item in earns],
        "points": [item.points for item in earns],
        "xp": [item.xp for item in earns],
        "lot_days": [item.lot_days for item in earns],
    }
    for row in await db.execute(_EARN_MANY, params):
        results[row.item - 1] = _posted(row.transaction_id, row.points_balance, row.xp_balance)
    return results


async def spend(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    points: int,
    kind: TransactionKind,
    key: str,
    reference: str,
    reason: dict[str, Any],
    now: datetime,
    to: AccountKind = AccountKind.REDEMPTION,
) -> Posted:
    """Debit points, oldest lots first, to `to` (redemption for vouchers, issuance for
    adjustments). Raises InsufficientPoints when the unexpired points cannot cover it; then
    nothing is written."""
    if points <= 0:
        raise ValueError("a spend is positive")
    params = {
        "key": key,
        "kind": str(kind),
        "reference": reference,
        "reason": reason,
        "user_id": user_id,
        "points": points,
        "to_account": system_account(to, Currency.POINTS),
        "now": now,
    }
    row = (await db.execute(_SPEND, params)).one()
    if row.outcome == ALREADY_POSTED:
        return Posted(None, posted=False)
    if row.outcome == InsufficientPoints.code:
        raise InsufficientPoints(points=points)
    return Posted(row.transaction_id, posted=True, balances={Currency.POINTS: row.points_balance})


async def expire_lot(db: AsyncSession, lot_id: uuid.UUID, *, now: datetime) -> int:
    """Expire what is left of one overdue lot, exactly once; return the points expired."""
    account_id = await db.scalar(
        sa.select(col(PointsLot.account_id)).where(col(PointsLot.id) == lot_id)
    )
    if account_id is None:
        return 0
    await lock_account(db, account_id)
    lot = (
        await db.scalars(sa.select(PointsLot).where(col(PointsLot.id) == lot_id).with_for_update())
    ).one()
    if lot.remaining == 0 or lot.expires_at > now:
        return 0
    tx = await claim(
        db,
        key=f"expire:{lot.id}",
        kind=TransactionKind.EXPIRE,
        reference=f"lot:{lot.id}",
        reason={"code": "points-expired", "earned_at": lot.earned_at.isoformat()},
        now=now,
    )
    if tx is None:
        return 0
    expired = lot.remaining
    await db.execute(sa.update(PointsLot).where(col(PointsLot.id) == lot.id).values(remaining=0))
    expiry = system_account(AccountKind.EXPIRY, Currency.POINTS)
    await apply(db, tx, [Posting(account_id, -expired), Posting(expiry, expired)], now=now)
    return expired


async def reverse(
    db: AsyncSession,
    transaction_id: uuid.UUID,
    *,
    reason: dict[str, Any],
    now: datetime,
    lot_days: int = DEFAULT_LOT_DAYS,
) -> Posted:
    """Post the opposite of a transaction, once. Points taken back come from the user's
    soonest-expiring lots; points given back open a new lot. Expiry is final."""
    original = await db.get(LedgerTransaction, transaction_id)
    if original is None:
        raise TransactionNotFound()
    if original.kind in (TransactionKind.EXPIRE, TransactionKind.REVERSE):
        raise NotReversible(kind=original.kind)
    tx = await claim(
        db,
        key=f"reverse:{transaction_id}",
        kind=TransactionKind.REVERSE,
        reference=f"transaction:{transaction_id}",
        reason=reason,
        now=now,
        reverses_id=transaction_id,
    )
    if tx is None:
        raise AlreadyReversed()
    entries = (
        await db.execute(
            sa.select(col(LedgerEntry.amount), LedgerAccount)
            .join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
            .where(col(LedgerEntry.transaction_id) == transaction_id)
        )
    ).all()
    for amount, account in entries:
        if account.user_id is not None and account.currency == Currency.POINTS:
            await _reverse_points(db, account.id, tx, -amount, now=now, lot_days=lot_days)
    moved = await apply(
        db, tx, [Posting(account.id, -amount) for amount, account in entries], now=now
    )
    balances = {
        account.currency: moved[account.id] for _, account in entries if account.id in moved
    }
    return Posted(tx, posted=True, balances=balances)


async def _reverse_points(
    db: AsyncSession,
    account_id: uuid.UUID,
    tx: uuid.UUID,
    change: int,
    *,
    now: datetime,
    lot_days: int,
) -> None:
    """Keep the lots in step with a reversed points posting (the balance moves in `apply`)."""
    if change < 0:
        await lock_account(db, account_id)
        await take_from_lots(db, account_id, -change, now=now)
    else:
        expires_at = now + timedelta(days=lot_days)
        await open_lot(db, account_id, tx, change, now=now, expires_at=expires_at)
