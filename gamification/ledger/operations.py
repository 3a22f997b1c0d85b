"""What the rest of the app does with points and XP: earn, spend, refund, adjust, expire, reverse.

Every operation is idempotent by its key: running it again (or concurrently) with the same key
changes nothing and reports `posted=False`.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.ledger.accounts import system_account, user_account_id
from gamification.ledger.errors import AlreadyReversed, NotReversible, TransactionNotFound
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
    if points < 0 or xp < 0:
        raise ValueError("earn amounts are never negative")
    if points == 0 and xp == 0:
        return Posted(None, posted=False)  # nothing to post: no empty transaction
    tx = await claim(
        db, key=key, kind=TransactionKind.EARN, reference=reference, reason=reason, now=now
    )
    if tx is None:
        return Posted(None, posted=False)
    postings, accounts = [], {}
    for currency, amount in ((Currency.POINTS, points), (Currency.XP, xp)):
        if amount:
            accounts[currency] = await user_account_id(db, user_id, currency)
            issued = system_account(AccountKind.ISSUANCE, currency)
            postings += [Posting(issued, -amount), Posting(accounts[currency], amount)]
    moved = await apply(db, tx, postings, now=now)  # one insert for all the entries
    if points:
        expires_at = now + timedelta(days=lot_days)
        await open_lot(db, accounts[Currency.POINTS], tx, points, now=now, expires_at=expires_at)
    balances = {currency.value: moved[account] for currency, account in accounts.items()}
    return Posted(tx, posted=True, balances=balances)


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
    tx = await claim(db, key=key, kind=kind, reference=reference, reason=reason, now=now)
    if tx is None:
        return Posted(None, posted=False)
    balances = await _credit_points(db, user_id, tx, points, now=now, lot_days=lot_days)
    return Posted(tx, posted=True, balances=balances)


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
    adjustments). Raises InsufficientPoints when the unexpired points cannot cover it."""
    tx = await claim(db, key=key, kind=kind, reference=reference, reason=reason, now=now)
    if tx is None:
        return Posted(None, posted=False)
    balances = await _debit_points(db, user_id, tx, points, now=now, to=to)
    return Posted(tx, posted=True, balances=balances)


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
        raise TransactionNotFound("No such transaction.")
    if original.kind in (TransactionKind.EXPIRE, TransactionKind.REVERSE):
        raise NotReversible(f"A {original.kind} transaction cannot be reversed.")
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
        raise AlreadyReversed("This transaction was already reversed.")
    entries = (
        await db.execute(
            sa.select(col(LedgerEntry.amount), LedgerAccount)
            .join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
            .where(col(LedgerEntry.transaction_id) == transaction_id)
        )
    ).all()
    balances: dict[str, int] = {}
    for amount, account in entries:
        if account.user_id is not None and account.currency == Currency.POINTS:
            await _reverse_points(db, account.id, tx, -amount, now=now, lot_days=lot_days)
        moved = await apply(db, tx, [Posting(account.id, -amount)], now=now)
        balances |= {account.currency: moved[account.id]} if account.id in moved else {}
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


async def _credit_points(
    db: AsyncSession,
    user_id: uuid.UUID,
    tx: uuid.UUID,
    points: int,
    *,
    now: datetime,
    lot_days: int,
) -> dict[str, int]:
    account = await user_account_id(db, user_id, Currency.POINTS)
    issued = system_account(AccountKind.ISSUANCE, Currency.POINTS)
    moved = await apply(db, tx, [Posting(issued, -points), Posting(account, points)], now=now)
    await open_lot(db, account, tx, points, now=now, expires_at=now + timedelta(days=lot_days))
    return {Currency.POINTS: moved[account]}


async def _debit_points(
    db: AsyncSession,
    user_id: uuid.UUID,
    tx: uuid.UUID,
    points: int,
    *,
    now: datetime,
    to: AccountKind,
) -> dict[str, int]:
    account = await user_account_id(db, user_id, Currency.POINTS)
    await lock_account(db, account)
    await take_from_lots(db, account, points, now=now)
    target = system_account(to, Currency.POINTS)
    moved = await apply(db, tx, [Posting(account, -points), Posting(target, points)], now=now)
    return {Currency.POINTS: moved[account]}
