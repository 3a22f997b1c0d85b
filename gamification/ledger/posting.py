"""The posting primitive: claim an idempotency key, then write balanced entries.

Expiry and reversals are built on these two steps; earns, spends and redemptions take the same
two steps inside their database functions (migration 0013). The database checks what code
could get wrong: the entries of a transaction sum to zero (checked after each statement that
writes entries, so a transaction's entries are written by one statement: `apply` takes all its
postings at once), a user's balance never goes below zero, and nothing posted is ever changed.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from gamification.ledger.accounts import SYSTEM_ACCOUNT_IDS
from gamification.ledger.errors import InsufficientPoints
from gamification.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction

# Built once: every posting runs these.
_CLAIM = (
    insert(LedgerTransaction)
    .values(
        {
            column: sa.bindparam(column, type_=LedgerTransaction.__table__.c[column].type)  # type: ignore[attr-defined]
            for column in (
                "id",
                "idempotency_key",
                "kind",
                "reference",
                "reason",
                "reverses_id",
                "created_at",
            )
        }
    )
    .on_conflict_do_nothing(index_elements=["idempotency_key"])
    .returning(col(LedgerTransaction.id))
)
_AMOUNT = sa.bindparam("amount", type_=sa.BigInteger)
_MOVE_BALANCE = (
    sa.update(LedgerAccount)
    .where(
        col(LedgerAccount.id) == sa.bindparam("account_id"),
        col(LedgerAccount.balance) + _AMOUNT >= 0,
    )
    .values(balance=col(LedgerAccount.balance) + _AMOUNT)
    .returning(col(LedgerAccount.balance))
)
# A Core insert on the table, every row in one multi-row VALUES: the zero-sum check runs after
# each statement (an executemany would be one statement per row), and the ORM bulk path would
# split the rows into one statement per set of present keys.
_ENTRIES_TABLE: sa.Table = LedgerEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Posting:
    account_id: uuid.UUID
    amount: int


async def claim(
    db: AsyncSession,
    *,
    key: str,
    kind: str,
    reference: str,
    reason: dict[str, Any],
    now: datetime,
    reverses_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Insert the transaction row; None if its key was already used (nothing more to do).

    A concurrent duplicate waits on the unique key until the first commits or rolls back, so
    one key never posts twice.
    """
    params = {
        "id": new_id(),
        "idempotency_key": key,
        "kind": str(kind),
        "reference": reference,
        "reason": reason,
        "reverses_id": reverses_id,
        "created_at": now,
    }
    return await db.scalar(_CLAIM, params)


async def apply(
    db: AsyncSession, transaction_id: uuid.UUID, postings: list[Posting], *, now: datetime
) -> dict[uuid.UUID, int]:
    """Write the entries, all of the transaction's at once; return the new balance of each
    user account posted to.

    User balances move with a conditional update, so a debit larger than the balance is an
    `InsufficientPoints` error, not a negative balance. System accounts only get entries.
    """
    balances: dict[uuid.UUID, int] = {}
    entries = []
    for posting in postings:
        if posting.amount == 0:
            continue
        balance_after = None
        if posting.account_id not in SYSTEM_ACCOUNT_IDS:
            balance_after = await _move_balance(db, posting.account_id, posting.amount)
            balances[posting.account_id] = balance_after
        entries.append(
            entry(transaction_id, posting.account_id, posting.amount, balance_after, now)
        )
    await insert_entries(db, entries)
    return balances


def entry(
    transaction_id: uuid.UUID,
    account_id: uuid.UUID,
    amount: int,
    balance_after: int | None,
    now: datetime,
) -> dict[str, Any]:
    """One ledger entry row, for `insert_entries`; `balance_after` only for user accounts."""
    return {
        "id": new_id(),
        "transaction_id": transaction_id,
        "account_id": account_id,
        "amount": amount,
        "balance_after": balance_after,
        "created_at": now,
    }


async def insert_entries(db: AsyncSession, entries: list[dict[str, Any]]) -> None:
    """One statement for all the entries (of one or more whole transactions)."""
    if entries:
        await db.execute(sa.insert(_ENTRIES_TABLE).values(entries))


async def _move_balance(db: AsyncSession, account_id: uuid.UUID, amount: int) -> int:
    balance = await db.scalar(_MOVE_BALANCE, {"account_id": account_id, "amount": amount})
    if balance is None:
        raise InsufficientPoints(points=-amount)
    return int(balance)
