"""adjustment approval: a register of admin adjustments, large ones pending a second admin

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 01:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["user_account.id"], name=op.f(f"fk_ledger_adjustment_{column}_user_account")
    )


def upgrade() -> None:
    op.create_table(
        "ledger_adjustment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ledger_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("transaction_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'posted', 'rejected')",
            name=op.f("ck_ledger_adjustment_status_known"),
        ),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_adjustment_amount_not_zero")),
        sa.CheckConstraint(
            "requested_by <> user_id", name=op.f("ck_ledger_adjustment_not_own_account")
        ),
        sa.CheckConstraint(
            "status <> 'posted' OR decided_by IS NULL "
            "OR (decided_by <> requested_by AND decided_by <> user_id)",
            name=op.f("ck_ledger_adjustment_approved_by_another_admin"),
        ),
        sa.CheckConstraint(
            "(status = 'posted') = (transaction_id IS NOT NULL)",
            name=op.f("ck_ledger_adjustment_posted_has_transaction"),
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_ledger_adjustment_decided_unless_pending"),
        ),
        _user_fk("user_id"),
        _user_fk("requested_by"),
        _user_fk("decided_by"),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_ledger_adjustment_transaction_id_ledger_transaction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_adjustment")),
        sa.UniqueConstraint("ledger_key", name=op.f("uq_ledger_adjustment_ledger_key")),
    )
    op.create_index(
        "ix_ledger_adjustment_requested_at_id", "ledger_adjustment", ["requested_at", "id"]
    )
    op.create_index(
        "ix_ledger_adjustment_status_requested_at_id",
        "ledger_adjustment",
        ["status", "requested_at", "id"],
    )


def downgrade() -> None:
    op.drop_table("ledger_adjustment")
