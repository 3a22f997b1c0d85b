"""vouchers: the catalogue with its stock, the per-user redemption counters, issued vouchers,
and the invariants the database enforces itself (stock within 0..total, one code per voucher,
a status that agrees with its timestamps)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 04:21:35.097325+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voucher_product",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sku", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("title_en", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("terms", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("points_price", sa.BigInteger(), nullable=False),
        sa.Column("total_stock", sa.Integer(), nullable=False),
        sa.Column("remaining_stock", sa.Integer(), nullable=False),
        sa.Column("per_user_limit", sa.Integer(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("sale_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sale_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("product_risk_level", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("lifecycle_stages", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column(
            "required_course_slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind <> 'yield' OR product_risk_level IS NOT NULL",
            name=op.f("ck_voucher_product_yield_has_risk_level"),
        ),
        sa.CheckConstraint("kind IN ('fee', 'yield')", name=op.f("ck_voucher_product_kind")),
        sa.CheckConstraint(
            "lifecycle_stages <@ ARRAY['new', 'growing', 'mature']::varchar[]",
            name=op.f("ck_voucher_product_lifecycle_stages"),
        ),
        sa.CheckConstraint(
            "product_risk_level IN ('R1', 'R2', 'R3', 'R4', 'R5')",
            name=op.f("ck_voucher_product_product_risk_level"),
        ),
        sa.CheckConstraint(
            "per_user_limit >= 1", name=op.f("ck_voucher_product_per_user_limit_positive")
        ),
        sa.CheckConstraint(
            "points_price > 0", name=op.f("ck_voucher_product_points_price_positive")
        ),
        sa.CheckConstraint(
            "remaining_stock >= 0 AND remaining_stock <= total_stock",
            name=op.f("ck_voucher_product_remaining_in_range"),
        ),
        sa.CheckConstraint(
            "sale_starts_at IS NULL OR sale_ends_at IS NULL OR sale_ends_at > sale_starts_at",
            name=op.f("ck_voucher_product_sale_window"),
        ),
        sa.CheckConstraint(
            "total_stock >= 0", name=op.f("ck_voucher_product_total_stock_not_negative")
        ),
        sa.CheckConstraint(
            "validity_days BETWEEN 1 AND 366", name=op.f("ck_voucher_product_validity_days")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_product")),
        sa.UniqueConstraint("sku", name=op.f("uq_voucher_product_sku")),
    )
    op.create_table(
        "voucher",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=14), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("title_en", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("terms", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("points_price", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("debit_transaction_id", sa.Uuid(), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consumed_reference", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("consumed_by", sa.Uuid(), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("refund_transaction_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "(status = 'consumed') = (consumed_at IS NOT NULL AND consumed_reference IS NOT NULL)",
            name=op.f("ck_voucher_consumed"),
        ),
        sa.CheckConstraint(
            "(status = 'expired') = (expired_at IS NOT NULL)", name=op.f("ck_voucher_expired")
        ),
        sa.CheckConstraint(
            "(status = 'revoked') = (revoked_at IS NOT NULL)", name=op.f("ck_voucher_revoked")
        ),
        sa.CheckConstraint(
            "code ~ '^[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}$'",
            name=op.f("ck_voucher_code_format"),
        ),
        sa.CheckConstraint(
            "refund_transaction_id IS NULL OR status = 'revoked'",
            name=op.f("ck_voucher_refund_only_if_revoked"),
        ),
        sa.CheckConstraint(
            "status IN ('issued', 'consumed', 'expired', 'revoked')", name=op.f("ck_voucher_status")
        ),
        sa.CheckConstraint("expires_at > issued_at", name=op.f("ck_voucher_expires_after_issue")),
        sa.ForeignKeyConstraint(
            ["consumed_by"], ["partner.id"], name=op.f("fk_voucher_consumed_by_partner")
        ),
        sa.ForeignKeyConstraint(
            ["debit_transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_voucher_debit_transaction_id_ledger_transaction"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["voucher_product.id"],
            name=op.f("fk_voucher_product_id_voucher_product"),
        ),
        sa.ForeignKeyConstraint(
            ["refund_transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_voucher_refund_transaction_id_ledger_transaction"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["user_account.id"], name=op.f("fk_voucher_revoked_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_voucher_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher")),
        sa.UniqueConstraint("code", name=op.f("uq_voucher_code")),
    )
    op.create_index(
        "ix_voucher_due",
        "voucher",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'issued'"),
    )
    op.create_index(
        "ix_voucher_user_id_issued_at_id", "voucher", ["user_id", "issued_at", "id"], unique=False
    )
    op.create_table(
        "voucher_user_count",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("redeemed", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "redeemed >= 0", name=op.f("ck_voucher_user_count_redeemed_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["voucher_product.id"],
            name=op.f("fk_voucher_user_count_product_id_voucher_product"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_voucher_user_count_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", "product_id", name=op.f("pk_voucher_user_count")),
    )


def downgrade() -> None:
    op.drop_table("voucher_user_count")
    op.drop_index("ix_voucher_user_id_issued_at_id", table_name="voucher")
    op.drop_index(
        "ix_voucher_due", table_name="voucher", postgresql_where=sa.text("status = 'issued'")
    )
    op.drop_table("voucher")
    op.drop_table("voucher_product")
