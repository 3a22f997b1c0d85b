"""Request and response bodies of the Vouchers routes and the marketers' voucher products.

Terms are JSON objects whose money and rates are decimal strings ("5.00"); see
gamification/vouchers/terms.py for each kind's fields.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from api.openapi import CourseRef
from api.pagination import Page
from api.rewards.schemas import WalletOut

Kind = Literal["fee", "yield"]
RiskLevel = Literal["R1", "R2", "R3", "R4", "R5"]
Stage = Literal["new", "growing", "mature"]
AwareTime = Annotated[datetime, Meta(tz=True)]
Sku = Annotated[
    str, Meta(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$", examples=["fee-a"])
]
Title = Annotated[str, Meta(min_length=1, max_length=120)]
CourseSlug = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Terms = Annotated[dict[str, Any], Meta(description="The kind's terms: see the Vouchers docs.")]
Points = Annotated[int, Meta(ge=1, le=10_000_000)]
Stock = Annotated[int, Meta(ge=0, le=10_000_000)]
PerUser = Annotated[int, Meta(ge=1, le=1000)]
ValidityDays = Annotated[int, Meta(ge=1, le=366)]
Stages = Annotated[list[Stage], Meta(max_length=3)]


class ProductOut(Struct):
    """A product in the catalogue, with whether the caller may redeem it and why not."""

    id: uuid.UUID
    kind: str
    title: str
    terms: dict[str, Any]  # a yield product's `product_name` in the caller's locale
    terms_text: str  # the terms in a sentence, in the caller's locale
    points_price: int
    remaining_stock: int
    per_user_limit: int
    validity_days: int
    product_risk_level: str | None
    lifecycle_stages: list[str]
    required_course_slug: str | None
    required_course: CourseRef | None
    sale_ends_at: datetime | None
    eligible: bool
    ineligible_reason: str | None  # risk-assessment-required | risk-profile-too-low | ...
    ineligible_message: str | None  # in the caller's locale


class ProductPage(Page[ProductOut]):
    """A page of the catalogue."""


class RedemptionIn(Struct, forbid_unknown_fields=True):
    product_id: uuid.UUID


class VoucherOut(Struct):
    id: uuid.UUID
    code: str
    kind: str
    title: str
    terms: dict[str, Any]  # a yield product's `product_name` in the caller's locale
    terms_text: str  # the terms in a sentence, in the caller's locale
    status: str  # issued | consumed | expired | revoked
    points_price: int
    issued_at: datetime
    expires_at: datetime
    consumed_at: datetime | None = None
    revoked_at: datetime | None = None


class VoucherPage(Page[VoucherOut]):
    """A page of the caller's vouchers."""


class RedemptionOut(Struct):
    voucher: VoucherOut
    wallet: WalletOut


class PartnerVoucherOut(Struct):
    """What the broker sees: the owner as an opaque reference, never personal data."""

    code: str
    owner_reference: str
    kind: str
    title: str
    terms: dict[str, Any]
    status: str
    issued_at: datetime
    expires_at: datetime
    consumed_at: datetime | None
    consumed_reference: str | None


class ConsumeIn(Struct, forbid_unknown_fields=True):
    reference: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=64,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
            description="The broker's trade or subscription id.",
        ),
    ]


class ConsumeOut(Struct):
    code: str
    status: str  # consumed
    reference: str
    consumed_at: datetime


class RevokeIn(Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=500)]


class RevokedVoucherOut(Struct):
    id: uuid.UUID
    code: str
    user_id: uuid.UUID
    status: str  # revoked
    revoked_at: datetime
    refunded_points: int
    refund_transaction_id: uuid.UUID | None  # None for a campaign's free voucher: no refund
    owner_points_balance: int  # the owner's points balance after the refund


class ProductCreate(Struct, forbid_unknown_fields=True):
    sku: Sku
    kind: Kind
    title: Title
    terms: Terms
    points_price: Points
    total_stock: Stock
    per_user_limit: PerUser
    validity_days: ValidityDays
    title_en: Title | None = None
    sale_starts_at: AwareTime | None = None
    sale_ends_at: AwareTime | None = None
    product_risk_level: RiskLevel | None = None
    lifecycle_stages: Stages = []
    required_course_slug: CourseSlug | None = None


class ProductPatch(Struct, forbid_unknown_fields=True):
    """Only the fields given change; `null` clears an optional one. sku and kind are fixed."""

    title: Title | UnsetType = UNSET
    title_en: Title | UnsetType | None = UNSET
    terms: Terms | UnsetType = UNSET
    points_price: Points | UnsetType = UNSET
    total_stock: Stock | UnsetType = UNSET
    per_user_limit: PerUser | UnsetType = UNSET
    validity_days: ValidityDays | UnsetType = UNSET
    sale_starts_at: AwareTime | UnsetType | None = UNSET
    sale_ends_at: AwareTime | UnsetType | None = UNSET
    product_risk_level: RiskLevel | UnsetType | None = UNSET
    lifecycle_stages: Stages | UnsetType = UNSET
    required_course_slug: CourseSlug | UnsetType | None = UNSET


class AdminProductOut(Struct):
    id: uuid.UUID
    sku: str
    kind: str
    title: str
    title_en: str | None
    terms: dict[str, Any]
    points_price: int
    total_stock: int
    remaining_stock: int
    issued: int
    per_user_limit: int
    validity_days: int
    sale_starts_at: datetime | None
    sale_ends_at: datetime | None
    product_risk_level: str | None
    lifecycle_stages: list[str]
    required_course_slug: str | None
    created_at: datetime
    updated_at: datetime


class AdminProductPage(Page[AdminProductOut]):
    """A page of products, as marketers see them."""
