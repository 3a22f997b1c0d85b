"""Voucher tables. The invariants are constraints (migration 0006), not only code: stock never
goes below zero or above the total, a code is unique and well-formed, and a voucher's status
agrees with the timestamps that record how it got there."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from core.tables import id_field, utc_timestamp

USER_FK = "user_account.id"
CODE_PATTERN = (
    "^[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}"
    "-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}$"
)


class VoucherKind(StrEnum):
    FEE = "fee"  # a commission discount at the broker
    YIELD = "yield"  # a rate boost on a money-market or wealth product


class VoucherStatus(StrEnum):
    ISSUED = "issued"
    CONSUMED = "consumed"
    EXPIRED = "expired"
    REVOKED = "revoked"


class VoucherProduct(SQLModel, table=True):
    """What can be redeemed: terms, price, stock, per-user limit, sale window, eligibility."""

    __tablename__ = "voucher_product"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('fee', 'yield')", name="kind"),
        sa.CheckConstraint("points_price > 0", name="points_price_positive"),
        sa.CheckConstraint("total_stock >= 0", name="total_stock_not_negative"),
        sa.CheckConstraint(
            "remaining_stock >= 0 AND remaining_stock <= total_stock", name="remaining_in_range"
        ),
        sa.CheckConstraint("per_user_limit >= 1", name="per_user_limit_positive"),
        sa.CheckConstraint("validity_days BETWEEN 1 AND 366", name="validity_days"),
        sa.CheckConstraint(
            "sale_starts_at IS NULL OR sale_ends_at IS NULL OR sale_ends_at > sale_starts_at",
            name="sale_window",
        ),
        sa.CheckConstraint(
            "product_risk_level IN ('R1', 'R2', 'R3', 'R4', 'R5')", name="product_risk_level"
        ),
        sa.CheckConstraint(
            "kind <> 'yield' OR product_risk_level IS NOT NULL", name="yield_has_risk_level"
        ),
        sa.CheckConstraint(
            "lifecycle_stages <@ ARRAY['new', 'growing', 'mature']::varchar[]",
            name="lifecycle_stages",
        ),
    )

    id: uuid.UUID = id_field()
    sku: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=8)
    title: str = Field(max_length=120)  # zh-CN, the original
    title_en: str | None = Field(default=None, max_length=120)
    terms: dict[str, Any] = Field(sa_type=JSONB)  # validated by terms.py; money as strings
    points_price: int = Field(sa_type=sa.BigInteger)
    total_stock: int
    remaining_stock: int
    per_user_limit: int
    validity_days: int
    sale_starts_at: datetime | None = utc_timestamp(nullable=True)
    sale_ends_at: datetime | None = utc_timestamp(nullable=True)
    product_risk_level: str | None = Field(default=None, max_length=2)  # R1..R5
    lifecycle_stages: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String(16)), nullable=False),
    )  # empty: every stage
    required_course_slug: str | None = Field(default=None, max_length=64)
    created_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()


class VoucherUserCount(SQLModel, table=True):
    """How many of a product a user has redeemed: the row the per-user limit is counted on."""

    __tablename__ = "voucher_user_count"
    __table_args__ = (sa.CheckConstraint("redeemed >= 0", name="redeemed_not_negative"),)

    user_id: uuid.UUID = Field(foreign_key=USER_FK, primary_key=True)
    product_id: uuid.UUID = Field(foreign_key="voucher_product.id", primary_key=True)
    redeemed: int


class Voucher(SQLModel, table=True):
    """An issued voucher: a snapshot of the product's terms at issue, and its life since."""

    __tablename__ = "voucher"
    __table_args__ = (
        sa.CheckConstraint("status IN ('issued', 'consumed', 'expired', 'revoked')", name="status"),
        sa.CheckConstraint(f"code ~ '{CODE_PATTERN}'", name="code_format"),
        sa.CheckConstraint("expires_at > issued_at", name="expires_after_issue"),
        sa.CheckConstraint(
            "(status = 'consumed') = (consumed_at IS NOT NULL AND consumed_reference IS NOT NULL)",
            name="consumed",
        ),
        sa.CheckConstraint("(status = 'expired') = (expired_at IS NOT NULL)", name="expired"),
        sa.CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL)", name="revoked"),
        sa.CheckConstraint(
            "refund_transaction_id IS NULL OR status = 'revoked'", name="refund_only_if_revoked"
        ),
        sa.CheckConstraint(
            "(debit_transaction_id IS NULL) <> (grant_reference IS NULL)", name="paid_or_granted"
        ),
        sa.Index("ix_voucher_user_id_issued_at_id", "user_id", "issued_at", "id"),
        sa.Index("ix_voucher_due", "expires_at", postgresql_where=sa.text("status = 'issued'")),
    )

    id: uuid.UUID = id_field()
    code: str = Field(max_length=14, unique=True)  # XXXX-XXXX-XXXX
    product_id: uuid.UUID = Field(foreign_key="voucher_product.id")
    user_id: uuid.UUID = Field(foreign_key=USER_FK)
    kind: str = Field(max_length=8)
    title: str = Field(max_length=120)
    title_en: str | None = Field(default=None, max_length=120)
    terms: dict[str, Any] = Field(sa_type=JSONB)
    points_price: int = Field(sa_type=sa.BigInteger)
    status: str = Field(default=VoucherStatus.ISSUED, max_length=16)
    issued_at: datetime = utc_timestamp()
    expires_at: datetime = utc_timestamp()
    # Paid with points (the debit), or granted by a campaign (its reference): one of the two.
    debit_transaction_id: uuid.UUID | None = Field(
        default=None, foreign_key="ledger_transaction.id"
    )
    grant_reference: str | None = Field(default=None, max_length=200, unique=True)
    consumed_at: datetime | None = utc_timestamp(nullable=True)
    consumed_reference: str | None = Field(default=None, max_length=64)
    consumed_by: uuid.UUID | None = Field(default=None, foreign_key="partner.id")
    expired_at: datetime | None = utc_timestamp(nullable=True)
    revoked_at: datetime | None = utc_timestamp(nullable=True)
    revoked_by: uuid.UUID | None = Field(default=None, foreign_key=USER_FK)
    revoked_reason: str | None = Field(default=None, max_length=500)
    refund_transaction_id: uuid.UUID | None = Field(
        default=None, foreign_key="ledger_transaction.id"
    )


__all__ = ["Voucher", "VoucherKind", "VoucherProduct", "VoucherStatus", "VoucherUserCount"]
