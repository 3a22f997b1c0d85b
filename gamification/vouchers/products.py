"""The voucher catalogue: marketers define and edit products; learners see what is on sale."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Protocol

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.driver_reads import DriverRead
from core.ids import new_id
from gamification.vouchers.eligibility import (
    LIFECYCLE_STAGES,
    Ineligible,
    course_problem,
    profile_problem,
    sale_window_problem,
)
from gamification.vouchers.errors import (
    DuplicateSku,
    InvalidProduct,
    ProductNotFound,
    StockBelowIssued,
)
from gamification.vouchers.models import VoucherProduct
from gamification.vouchers.terms import validate_terms

MAX_STOCK = 10_000_000
MAX_PER_USER = 1000
MAX_VALIDITY_DAYS = 366


@dataclass(frozen=True)
class ProductDraft:
    """A product as a marketer (or the seed) describes it; terms are checked by terms.py."""

    sku: str
    kind: str
    title: str
    terms: dict[str, Any]
    points_price: int
    total_stock: int
    per_user_limit: int
    validity_days: int
    title_en: str | None = None
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None
    product_risk_level: str | None = None
    lifecycle_stages: Sequence[str] = field(default_factory=tuple)
    required_course_slug: str | None = None


# What PATCH may change: everything but the sku and the kind, which name what was sold.
EDITABLE = frozenset(f.name for f in fields(ProductDraft)) - {"sku", "kind"}


@dataclass(frozen=True)
class Redeemer:
    """The facts about a learner that eligibility needs, gathered by the api layer.
    `completed_course(slug)` is asked only when a product requires a course, and
    `course_title(slug)` only when that course is not completed."""

    user_id: uuid.UUID
    risk_profile: str | None  # C1..C5, None when unassessed or expired
    lifecycle_stage: str  # new | growing | mature
    completed_course: Callable[[str], Awaitable[bool]]
    course_title: Callable[[str], Awaitable[str]]  # in the learner's locale, for messages


def checked(draft: ProductDraft) -> ProductDraft:
    """The draft with normalised terms and risk level, or InvalidProduct listing every field."""
    errors: list[tuple[str, str]] = []
    try:
        terms, level = validate_terms(
            draft.kind, draft.terms, product_risk_level=draft.product_risk_level
        )
    except InvalidProduct as exc:
        errors += exc.errors or ()
        terms, level = draft.terms, draft.product_risk_level
    errors += _field_problems(draft)
    if errors:
        raise InvalidProduct(errors)
    stages = [stage for stage in LIFECYCLE_STAGES if stage in draft.lifecycle_stages]
    return replace(draft, terms=terms, product_risk_level=level, lifecycle_stages=tuple(stages))


def _field_problems(draft: ProductDraft) -> list[tuple[str, str]]:
    errors = []
    if not draft.title.strip():
        errors.append(("title", "must not be blank"))
    if not 1 <= draft.points_price <= 10_000_000:
        errors.append(("points_price", "must be from 1 to 10000000"))
    if not 0 <= draft.total_stock <= MAX_STOCK:
        errors.append(("total_stock", f"must be from 0 to {MAX_STOCK}"))
    if not 1 <= draft.per_user_limit <= MAX_PER_USER:
        errors.append(("per_user_limit", f"must be from 1 to {MAX_PER_USER}"))
    if not 1 <= draft.validity_days <= MAX_VALIDITY_DAYS:
        errors.append(("validity_days", f"must be from 1 to {MAX_VALIDITY_DAYS}"))
    starts, ends = draft.sale_starts_at, draft.sale_ends_at
    if starts is not None and ends is not None and ends <= starts:
        errors.append(("sale_ends_at", "must be after sale_starts_at"))
    unknown = [stage for stage in draft.lifecycle_stages if stage not in LIFECYCLE_STAGES]
    if unknown:
        errors.append(("lifecycle_stages", f"unknown stage(s): {', '.join(unknown)}"))
    return errors


async def create_product(db: AsyncSession, draft: ProductDraft, *, now: datetime) -> VoucherProduct:
    """Add a product with all its stock remaining; DuplicateSku if the sku is taken."""
    draft = checked(draft)
    values = _column_values(draft) | {
        "id": new_id(),
        "sku": draft.sku,
        "kind": draft.kind,
        "remaining_stock": draft.total_stock,
        "created_at": now,
        "updated_at": now,
    }
    created: VoucherProduct | None = await db.scalar(
        insert(VoucherProduct)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["sku"])
        .returning(VoucherProduct)
    )
    if created is None:
        raise DuplicateSku(sku=draft.sku)
    return created


async def update_product(
    db: AsyncSession, product_id: uuid.UUID, changes: dict[str, Any], *, now: datetime
) -> tuple[VoucherProduct, dict[str, Any]]:
    """Apply a marketer's changes under the product's row lock; return the product and the
    fields that changed, each as (before, after). Total stock may go up or down, but never
    below what was already issued; the remaining stock moves by the same amount."""
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise InvalidProduct([(name, "cannot be changed") for name in unknown])
    product = (
        await db.scalars(
            sa.select(VoucherProduct)
            .where(col(VoucherProduct.id) == product_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if product is None:
        raise ProductNotFound()
    draft = checked(replace(draft_of(product), **_risk_level_follows(changes, product)))
    issued = product.total_stock - product.remaining_stock
    if draft.total_stock < issued:
        raise StockBelowIssued(issued=issued)
    values = _column_values(draft) | {"remaining_stock": draft.total_stock - issued}
    before = product.model_dump()
    diff = {name: (before[name], value) for name, value in values.items() if before[name] != value}
    if diff:
        await db.execute(
            sa.update(VoucherProduct)
            .where(col(VoucherProduct.id) == product_id)
            .values(**values, updated_at=now)
        )
        await db.refresh(product)
    return product, diff


def _risk_level_follows(changes: dict[str, Any], product: VoucherProduct) -> dict[str, Any]:
    """A yield product states its risk level twice (column and terms): a change to one side
    carries over to the other, so a marketer edits it once."""
    if "product_risk_level" in changes and "terms" not in changes:
        terms = {k: v for k, v in product.terms.items() if k != "product_risk_level"}
        return changes | {"terms": terms}
    new_terms = changes.get("terms")
    if "product_risk_level" not in changes and isinstance(new_terms, dict):
        level = new_terms.get("product_risk_level")
        if level is not None:
            return changes | {"product_risk_level": level}
    return changes


def draft_of(product: VoucherProduct) -> ProductDraft:
    return ProductDraft(
        sku=product.sku,
        kind=product.kind,
        title=product.title,
        title_en=product.title_en,
        terms=dict(product.terms),
        points_price=product.points_price,
        total_stock=product.total_stock,
        per_user_limit=product.per_user_limit,
        validity_days=product.validity_days,
        sale_starts_at=product.sale_starts_at,
        sale_ends_at=product.sale_ends_at,
        product_risk_level=product.product_risk_level,
        lifecycle_stages=tuple(product.lifecycle_stages),
        required_course_slug=product.required_course_slug,
    )


def _column_values(draft: ProductDraft) -> dict[str, Any]:
    return {
        "title": draft.title.strip(),
        "title_en": draft.title_en.strip() if draft.title_en else None,
        "terms": draft.terms,
        "points_price": draft.points_price,
        "total_stock": draft.total_stock,
        "per_user_limit": draft.per_user_limit,
        "validity_days": draft.validity_days,
        "sale_starts_at": draft.sale_starts_at,
        "sale_ends_at": draft.sale_ends_at,
        "product_risk_level": draft.product_risk_level,
        "lifecycle_stages": list(draft.lifecycle_stages),
        "required_course_slug": draft.required_course_slug,
    }


async def get_product(db: AsyncSession, product_id: uuid.UUID) -> VoucherProduct:
    product = await db.get(VoucherProduct, product_id)
    if product is None:
        raise ProductNotFound()
    return product


class ProductFacts(Protocol):
    """What eligibility reads of a product: a stored `VoucherProduct` or a `ProductOnSale`."""

    @property
    def sale_starts_at(self) -> datetime | None: ...
    @property
    def sale_ends_at(self) -> datetime | None: ...
    @property
    def product_risk_level(self) -> str | None: ...
    @property
    def lifecycle_stages(self) -> list[str]: ...
    @property
    def required_course_slug(self) -> str | None: ...


async def why_ineligible(
    product: ProductFacts, redeemer: Redeemer, *, now: datetime
) -> Ineligible | None:
    """The first reason the learner may not redeem the product now, or None."""
    problem = sale_window_problem(
        product.sale_starts_at, product.sale_ends_at, now
    ) or profile_problem(
        product_risk_level=product.product_risk_level,
        lifecycle_stages=product.lifecycle_stages,
        risk_profile=redeemer.risk_profile,
        lifecycle_stage=redeemer.lifecycle_stage,
    )
    course = product.required_course_slug
    if problem is not None or course is None or await redeemer.completed_course(course):
        return problem
    return course_problem(course, await redeemer.course_title(course))


class ProductOnSale(msgspec.Struct, frozen=True):
    """A product as the catalogue lists it to learners: its columns in `_ON_SALE`'s order."""

    id: uuid.UUID
    kind: str
    title: str
    title_en: str | None
    terms: dict[str, Any]
    points_price: int
    remaining_stock: int
    per_user_limit: int
    validity_days: int
    sale_starts_at: datetime | None
    sale_ends_at: datetime | None
    product_risk_level: str | None
    lifecycle_stages: list[str]
    required_course_slug: str | None


def _on_sale(*, after: bool) -> DriverRead:
    """Products in their sale window at `:now`, cheapest first, up to `:limit`: from the start,
    or `after` the key (`:after_price`, `:after_id`). Sent straight to the driver."""
    now = sa.bindparam("now", type_=sa.DateTime(timezone=True))
    starts, ends = col(VoucherProduct.sale_starts_at), col(VoucherProduct.sale_ends_at)
    key = sa.tuple_(col(VoucherProduct.points_price), col(VoucherProduct.id))
    table = VoucherProduct.__table__  # type: ignore[attr-defined]
    query = sa.select(*(table.c[name] for name in ProductOnSale.__struct_fields__))
    query = query.where(sa.or_(starts.is_(None), starts <= now), sa.or_(ends.is_(None), ends > now))
    if after:
        query = query.where(
            key
            > sa.tuple_(
                sa.bindparam("after_price", type_=sa.BigInteger()),
                sa.bindparam("after_id", type_=sa.Uuid()),
            )
        )
    order = (col(VoucherProduct.points_price), col(VoucherProduct.id))
    return DriverRead(query.order_by(*order).limit(sa.bindparam("limit", type_=sa.Integer())))


_ON_SALE = _on_sale(after=False)
_ON_SALE_AFTER = _on_sale(after=True)


async def products_on_sale(
    db: AsyncSession,
    redeemer: Redeemer,
    *,
    now: datetime,
    limit: int,
    after: tuple[int, uuid.UUID] | None = None,
) -> list[tuple[ProductOnSale, Ineligible | None]]:
    """Up to `limit` products in their sale window, cheapest first, each with why the learner
    may not redeem it (None when they may). Sold-out products are listed with 0 remaining."""
    if after is None:
        rows = await _ON_SALE.all(db, now=now, limit=limit)
    else:
        rows = await _ON_SALE_AFTER.all(
            db, now=now, limit=limit, after_price=after[0], after_id=after[1]
        )
    products = [ProductOnSale(*row) for row in rows]
    return [(product, await why_ineligible(product, redeemer, now=now)) for product in products]


async def list_products(
    db: AsyncSession, *, limit: int, after: tuple[datetime, uuid.UUID] | None = None
) -> list[VoucherProduct]:
    """Every product, on sale or not, newest first: the marketers' view."""
    query = sa.select(VoucherProduct)
    if after is not None:
        query = query.where(
            sa.tuple_(col(VoucherProduct.created_at), col(VoucherProduct.id)) < sa.tuple_(*after)
        )
    return list(
        (
            await db.scalars(
                query.order_by(
                    col(VoucherProduct.created_at).desc(), col(VoucherProduct.id).desc()
                ).limit(limit)
            )
        ).all()
    )


async def any_product_exists(db: AsyncSession) -> bool:
    return bool(await db.scalar(sa.select(sa.exists().select_from(VoucherProduct))))


async def existing_skus(db: AsyncSession, skus: Sequence[str]) -> set[str]:
    rows = await db.scalars(
        sa.select(col(VoucherProduct.sku)).where(col(VoucherProduct.sku).in_(list(skus)))
    )
    return set(rows.all())
