"""Ledger tables. The invariants live in the database (migrations 0004, 0019), not only here:
every transaction sums to zero per currency (a trigger after each statement that writes
entries: a transaction's entries are written by one statement), a user's balance
never goes below zero (CHECK), and entries and transactions are never updated or deleted."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from core.tables import created_at_field, id_field, utc_timestamp


class Currency(StrEnum):
    POINTS = "points"  # spendable on vouchers, earned in lots that expire
    XP = "xp"  # never spent: it only measures progress (levels, leagues)


class AccountKind(StrEnum):
    USER = "user"
    ISSUANCE = "issuance"  # where earned points and XP come from
    REDEMPTION = "redemption"  # where points spent on vouchers go
    EXPIRY = "expiry"  # where expired points go


class TransactionKind(StrEnum):
    EARN = "earn"
    SPEND = "spend"
    EXPIRE = "expire"
    REFUND = "refund"
    ADJUST = "adjust"
    REVERSE = "reverse"


class LedgerAccount(SQLModel, table=True):
    __tablename__ = "ledger_account"
    __table_args__ = (
        sa.CheckConstraint("balance >= 0", name="balance_not_negative"),
        sa.CheckConstraint(
            "(kind = 'user') = (user_id IS NOT NULL)", name="user_accounts_have_a_user"
        ),
        sa.Index(
            "uq_ledger_account_user_currency",
            "user_id",
            "currency",
            unique=True,
            postgresql_where=sa.text("user_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_ledger_account_system_currency",
            "kind",
            "currency",
            unique=True,
            postgresql_where=sa.text("user_id IS NULL"),
        ),
    )

    id: uuid.UUID = id_field()
    kind: str = Field(max_length=16)
    currency: str = Field(max_length=8)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    # Cached balance, updated with every posting to a user account. System accounts are written
    # append-only and their balance is derived from their entries, so no request queues on them.
    balance: int = Field(default=0, sa_type=sa.BigInteger)
    created_at: datetime = created_at_field()


class LedgerTransaction(SQLModel, table=True):
    __tablename__ = "ledger_transaction"

    id: uuid.UUID = id_field()
    idempotency_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=16)
    reference: str = Field(max_length=200)
    reason: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    reverses_id: uuid.UUID | None = Field(
        default=None, foreign_key="ledger_transaction.id", unique=True
    )
    created_at: datetime = utc_timestamp()


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.Index("ix_ledger_entry_account_id_seq", "account_id", "seq"),
    )

    id: uuid.UUID = id_field()
    seq: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), nullable=False, unique=True)
    )
    transaction_id: uuid.UUID = Field(foreign_key="ledger_transaction.id", index=True)
    account_id: uuid.UUID = Field(foreign_key="ledger_account.id")
    amount: int = Field(sa_type=sa.BigInteger)
    # The account's balance just after this posting: set for user accounts, whose balance is
    # kept; NULL for system accounts, whose balance is the sum of their entries.
    balance_after: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = utc_timestamp()


class PointsLot(SQLModel, table=True):
    """Points earned together, spent oldest-first, and expired together when they run out."""

    __tablename__ = "ledger_lot"
    __table_args__ = (
        sa.CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining_in_range"),
        sa.Index(
            "ix_ledger_lot_open",
            "account_id",
            "expires_at",
            postgresql_where=sa.text("remaining > 0"),
        ),
        sa.Index("ix_ledger_lot_expiring", "expires_at", postgresql_where=sa.text("remaining > 0")),
    )

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="ledger_account.id")
    transaction_id: uuid.UUID = Field(foreign_key="ledger_transaction.id")
    amount: int = Field(sa_type=sa.BigInteger)
    remaining: int = Field(sa_type=sa.BigInteger)
    earned_at: datetime = utc_timestamp()
    expires_at: datetime = utc_timestamp()
