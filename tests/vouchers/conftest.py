"""Voucher products, funded learners, completed courses and a partner key, made in code."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.accounts.partners import PARTNER_KEY_HEADER, create_partner
from core.clock import FrozenClock
from courses.models import Course, CourseProgress
from gamification.ledger.operations import earn
from gamification.ledger.queries import balances
from gamification.vouchers.models import Voucher, VoucherProduct
from gamification.vouchers.products import ProductDraft, create_product

FEE_TERMS = {"market": "cn_a_share", "waive_commission_up_to_cny": "5", "trades": 10}
YIELD_TERMS = {
    "product_name": "Cash management money-market fund",
    "product_type": "money_market",
    "boost_pct_per_year": 1.5,
    "principal_cap_cny": 10000,
    "days": 7,
}

ProductFactory = Callable[..., Awaitable[VoucherProduct]]
Funder = Callable[[uuid.UUID, int], Awaitable[None]]


def draft(**overrides: Any) -> ProductDraft:
    fields: dict[str, Any] = {
        "sku": f"test-{uuid.uuid4().hex[:12]}",
        "kind": "fee",
        "title": "A股免五券",
        "terms": FEE_TERMS,
        "points_price": 30,
        "total_stock": 100,
        "per_user_limit": 100,
        "validity_days": 30,
    }
    if overrides.get("kind") == "yield":
        fields |= {"terms": YIELD_TERMS, "product_risk_level": "R1"}
    return ProductDraft(**(fields | overrides))


def product_factory_for(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> ProductFactory:
    async def create(**overrides: Any) -> VoucherProduct:
        async with sessionmaker.begin() as db:
            return await create_product(db, draft(**overrides), now=clock.now())

    return create


def funder_for(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Funder:
    async def fund(user_id: uuid.UUID, points: int) -> None:
        async with sessionmaker.begin() as db:
            await earn(
                db,
                user_id=user_id,
                points=points,
                xp=0,
                key=f"test-fund:{uuid.uuid4()}",
                reference="test",
                reason={"code": "test"},
                now=clock.now(),
            )

    return fund


@pytest.fixture
def product_factory(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> ProductFactory:
    return product_factory_for(sessionmaker, clock)


@pytest.fixture
def committing_product_factory(
    committing_sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> ProductFactory:
    return product_factory_for(committing_sessionmaker, clock)


@pytest.fixture
def fund(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Funder:
    return funder_for(sessionmaker, clock)


@pytest.fixture
def committing_fund(
    committing_sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> Funder:
    return funder_for(committing_sessionmaker, clock)


@dataclass(frozen=True)
class PartnerKey:
    id: uuid.UUID
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {PARTNER_KEY_HEADER: self.key}


@pytest.fixture
async def partner(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> PartnerKey:
    async with sessionmaker.begin() as db:
        row, key = await create_partner(db, clock, name=f"broker-{uuid.uuid4().hex[:6]}")
    return PartnerKey(row.id, key)


async def complete_course(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    user_id: uuid.UUID,
    slug: str,
) -> None:
    """Record a finished course the way the learning domain does: a completed progress row."""
    async with sessionmaker.begin() as db:
        course_id = await db.scalar(sa.select(col(Course.id)).where(col(Course.slug) == slug))
        if course_id is None:
            course = Course(slug=slug, created_at=clock.now())
            db.add(course)
            await db.flush()
            course_id = course.id
        db.add(
            CourseProgress(
                user_id=user_id,
                course_id=course_id,
                started_at=clock.now() - timedelta(days=1),
                updated_at=clock.now(),
                completed_at=clock.now(),
            )
        )


async def redeem(
    client: AsyncClient,
    headers: dict[str, str],
    product_id: uuid.UUID,
    key: str | None = None,
) -> Response:
    return await client.post(
        "/v1/vouchers/redemptions",
        json={"product_id": str(product_id)},
        headers=headers | {"Idempotency-Key": key or uuid.uuid4().hex},
    )


async def points_of(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, user_id: uuid.UUID
) -> int:
    async with sessionmaker() as db:
        return (await balances(db, user_id, now=clock.now())).points


async def vouchers_of(
    sessionmaker: async_sessionmaker[AsyncSession], product_id: uuid.UUID
) -> list[Voucher]:
    async with sessionmaker() as db:
        rows = await db.scalars(sa.select(Voucher).where(col(Voucher.product_id) == product_id))
        return list(rows.all())


async def remaining_stock(
    sessionmaker: async_sessionmaker[AsyncSession], product_id: uuid.UUID
) -> int:
    async with sessionmaker() as db:
        stock = await db.scalar(
            sa.select(col(VoucherProduct.remaining_stock)).where(
                col(VoucherProduct.id) == product_id
            )
        )
    assert stock is not None
    return int(stock)
