"""The register of admin adjustments: every one, posted at once or waiting for a second admin."""

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.tables import id_field, utc_timestamp


class AdjustmentStatus(StrEnum):
    PENDING = "pending"  # above the approval threshold: waits for a second admin
    POSTED = "posted"  # in the ledger (`transaction_id`)
    REJECTED = "rejected"  # declined by an admin (or withdrawn by its requester)


class LedgerAdjustment(SQLModel, table=True):
    __tablename__ = "ledger_adjustment"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'posted', 'rejected')", name="status_known"),
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.CheckConstraint("requested_by <> user_id", name="not_own_account"),
        sa.CheckConstraint(
            "status <> 'posted' OR decided_by IS NULL "
            "OR (decided_by <> requested_by AND decided_by <> user_id)",
            name="approved_by_another_admin",
        ),
        sa.CheckConstraint(
            "(status = 'posted') = (transaction_id IS NOT NULL)", name="posted_has_transaction"
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_unless_pending"
        ),
        sa.Index("ix_ledger_adjustment_requested_at_id", "requested_at", "id"),
        sa.Index("ix_ledger_adjustment_status_requested_at_id", "status", "requested_at", "id"),
    )

    id: uuid.UUID = id_field()
    # The ledger idempotency key the adjustment posts (or will post) under: one row per key.
    ledger_key: str = Field(max_length=64, unique=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id")
    amount: int = Field(sa_type=sa.BigInteger)
    reason: str = Field(max_length=500)
    status: str = Field(max_length=16)
    requested_by: uuid.UUID = Field(foreign_key="user_account.id")
    requested_at: datetime = utc_timestamp()
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = utc_timestamp(nullable=True)
    decision_reason: str | None = Field(default=None, max_length=500)
    transaction_id: uuid.UUID | None = Field(default=None, foreign_key="ledger_transaction.id")
