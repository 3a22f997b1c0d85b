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
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.ledger.accounts import (
    credit_user_account,
    credit_user_accounts,
    move_user_balance,
    system_account,
)
from gamification.ledger.errors import (
    AlreadyReversed,
    InsufficientPoints,
    NotReversible,
    TransactionNotFound,
)
from gamification.ledger.lots import (
    lock_account,
    lot_row,
    open_lot,
    open_lots,
    take_from_lots,
)
from gamification.ledger.models import (
    AccountKind,
    Currency,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PointsLot,
    TransactionKind,
)
from gamification.ledger.posting import Posting, apply, claim, claim_many, entry, insert_entries

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
    return await _credit_from_issuance(db, user_id, tx, points, xp, now=now, lot_days=lot_days)


async def _credit_from_issuance(
    db: AsyncSession,
    user_id: uuid.UUID,
    tx: uuid.UUID,
    points: int,
    xp: int,
    *,
    now: datetime,
    lot_days: int,
) -> Posted:
    """Credit the user's accounts (opened on first use) from issuance, with a lot for points."""
    credited = {
        currency: await credit_user_account(db, user_id, currency, amount)
        for currency, amount in _amounts(points, xp)
    }
    rows = _earn_rows(tx, credited, points, xp, lot_days, now)
    await insert_entries(db, rows.entries)
    await open_lots(db, rows.lots)
    return rows.posted


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
    one transaction, but in a handful of statements: the transactions are claimed together,
    the accounts locked in the order of `earns` (pass users in id order so that concurrent
    awards cannot deadlock), every balance moved by one update, and the entries and lots
    written together."""
    if any(item.points < 0 or item.xp < 0 for item in earns):
        raise ValueError("earn amounts are never negative")
    results = [Posted(None, posted=False)] * len(earns)
    to_post = [i for i, item in enumerate(earns) if item.points or item.xp]
    claims = [(earns[i].key, earns[i].reference, earns[i].reason) for i in to_post]
    txs = await claim_many(db, claims, kind=TransactionKind.EARN, now=now)
    claimed = [(i, tx) for i, tx in zip(to_post, txs, strict=True) if tx is not None]
    credits = [
        (earns[i].user_id, currency, amount)
        for i, _ in claimed
        for currency, amount in _amounts(earns[i].points, earns[i].xp)
    ]
    credited = iter(await credit_user_accounts(db, credits))
    entries: list[dict[str, Any]] = []
    lots: list[dict[str, Any]] = []
    for i, tx in claimed:
        item = earns[i]
        moved = {currency: next(credited) for currency, _ in _amounts(item.points, item.xp)}
        rows = _earn_rows(tx, moved, item.points, item.xp, item.lot_days, now)
        results[i] = rows.posted
        entries += rows.entries
        lots += rows.lots
    await insert_entries(db, entries)
    await open_lots(db, lots)
    return results


def _amounts(points: int, xp: int) -> list[tuple[Currency, int]]:
    """What an earn credits, points first: the order its accounts are locked in."""
    return [
        (currency, amount)
        for currency, amount in ((Currency.POINTS, points), (Currency.XP, xp))
        if amount
    ]


@dataclass(frozen=True)
class _EarnRows:
    posted: Posted
    entries: list[dict[str, Any]]  # rows for `insert_entries`
    lots: list[dict[str, Any]]  # rows for `open_lots`


def _earn_rows(
    tx: uuid.UUID,
    credited: dict[Currency, tuple[uuid.UUID, int]],
    points: int,
    xp: int,
    lot_days: int,
    now: datetime,
) -> _EarnRows:
    """The entries and lot of an earn whose balances moved as `credited` says (currency ->
    the user's account and its balance after), issuance paying each credit."""
    entries, balances, lots = [], {}, []
    for currency, amount in _amounts(points, xp):
        account, balance = credited[currency]
        issued = system_account(AccountKind.ISSUANCE, currency)
        entries += [entry(tx, issued, -amount, None, now), entry(tx, account, amount, balance, now)]
        balances[currency.value] = balance
        if currency == Currency.POINTS:
            expires_at = now + timedelta(days=lot_days)
            lots.append(lot_row(account, tx, amount, now=now, expires_at=expires_at))
    return _EarnRows(Posted(tx, posted=True, balances=balances), entries, lots)


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
    return await _credit_from_issuance(db, user_id, tx, points, 0, now=now, lot_days=lot_days)


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


async def _debit_points(
    db: AsyncSession,
    user_id: uuid.UUID,
    tx: uuid.UUID,
    points: int,
    *,
    now: datetime,
    to: AccountKind,
) -> dict[str, int]:
    # The balance moves first: its update locks the account row before the lots are read
    # (the lock order of `lock_account`), in one statement instead of a lookup, a lock and a
    # move. The live lots never exceed the balance, so a balance too small (or no account)
    # is exactly the case where the lots cannot cover the debit either.
    moved = await move_user_balance(db, user_id, Currency.POINTS, -points)
    if moved is None:
        raise InsufficientPoints(points=points)
    account, balance = moved
    await take_from_lots(db, account, points, now=now)
    target = system_account(to, Currency.POINTS)
    entries = [entry(tx, account, -points, balance, now), entry(tx, target, points, None, now)]
    await insert_entries(db, entries)
    return {Currency.POINTS: balance}
