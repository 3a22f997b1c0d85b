"""`voucher_redeem_product` and `voucher_eligible` (migration 0048) called directly in SQL: the
product read inside the redemption's one statement, its eligibility held equal to
`gamification/vouchers/eligibility.py`, and the refusals before the claim that write nothing."""

import itertools
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import FrozenClock
from gamification.engagement.service import reporting
from gamification.ledger.models import LedgerTransaction
from gamification.vouchers.models import Voucher, VoucherProduct
from gamification.vouchers.products import Redeemer, why_ineligible
from tests.factories import UserFactory
from tests.helpers import Funder, ProductFactory
from tests.vouchers.test_redeem_function import PAYOUT, state
from tests.vouchers.test_redeem_keyed import ROUTE, records

COURSE = "funds-and-etfs"
REDEEM_PRODUCT = sa.text(
    "SELECT * FROM voucher_redeem_product(:record_id, :caller, :route, :key, 'hash', "
    ":context, :voucher_id, :code, :product_id, :user_id, :risk_profile, :lifecycle_stage, "
    ":completed_courses, :now, :day, :cap_day, :daily_cap, :lot_days, :daily_quests, "
    ":highest_tier, :cohort_size, CAST(:now AS timestamptz) + interval '30 days')"
).bindparams(
    sa.bindparam("context", type_=JSONB),
    sa.bindparam("completed_courses", type_=ARRAY(sa.Text())),
)
ELIGIBLE = sa.text(
    "SELECT p.id, voucher_eligible(p, :now, :risk_profile, :lifecycle_stage, :completed) "
    "FROM voucher_product p WHERE p.id = ANY (:ids)"
).bindparams(
    sa.bindparam("completed", type_=ARRAY(sa.Text())),
    sa.bindparam("ids", type_=ARRAY(sa.Uuid())),
)


async def call_redeem_product(
    db: AsyncSession,
    product_id: uuid.UUID,
    user_id: uuid.UUID,
    clock: FrozenClock,
    *,
    risk_profile: str | None = "C3",
    lifecycle_stage: str = "new",
    completed_courses: list[str] | None = None,
    key: str = "k",
    code: str = "2222-3333-4444",
) -> Any:
    params = {
        "record_id": uuid.uuid4(),
        "caller": f"user:{user_id}",
        "route": ROUTE,
        "key": key,
        "context": {"locale": "en", "today": "2026-03-02"},
        "voucher_id": uuid.uuid4(),
        "code": code,
        "product_id": product_id,
        "user_id": user_id,
        "risk_profile": risk_profile,
        "lifecycle_stage": lifecycle_stage,
        "completed_courses": completed_courses,
        "now": clock.now(),
        **reporting(timezone=None, now=clock.now(), payout=PAYOUT).params(),
    }
    return (await db.execute(REDEEM_PRODUCT, params)).one()


async def test_eligibility_in_sql_is_the_rules_eligibility(
    db: AsyncSession, product_factory: ProductFactory, clock: FrozenClock
) -> None:
    now = clock.now()
    windows = [
        (None, None),
        (now - timedelta(days=1), now + timedelta(days=1)),
        (now, None),  # starts now: on sale
        (now + timedelta(seconds=1), None),
        (None, now),  # ended now: not on sale
    ]
    products = [
        await product_factory(
            kind="yield" if level else "fee",
            product_risk_level=level,
            lifecycle_stages=stages,
            required_course_slug=course,
            sale_starts_at=starts,
            sale_ends_at=ends,
        )
        for level, stages, course, (starts, ends) in itertools.product(
            [None, "R1", "R3", "R5"], [(), ("new",), ("growing", "mature")], [None, COURSE], windows
        )
    ]
    for risk, stage, completed in itertools.product(
        [None, "C1", "C3", "C5"], ["new", "growing", "mature"], [[], [COURSE], ["other"]]
    ):
        params = {
            "now": now,
            "risk_profile": risk,
            "lifecycle_stage": stage,
            "completed": completed,
            "ids": [product.id for product in products],
        }
        in_sql: dict[uuid.UUID, bool] = dict((await db.execute(ELIGIBLE, params)).all())
        redeemer = _redeemer(risk, stage, completed)
        for product in products:
            in_rules = await why_ineligible(product, redeemer, now=now) is None
            assert in_sql[product.id] == in_rules, (product, risk, stage, completed)


def _redeemer(risk: str | None, stage: str, completed: list[str]) -> Redeemer:
    async def completed_course(slug: str) -> bool:
        return slug in completed

    async def course_title(slug: str) -> str:
        return slug

    return Redeemer(uuid.uuid4(), risk, stage, completed_course, course_title)


async def test_a_course_not_known_completed_is_not_eligible(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(required_course_slug=COURSE)
    unknown_ways: list[list[str] | None] = [None, []]
    for unknown in unknown_ways:
        row = await call_redeem_product(db, product.id, user.id, clock, completed_courses=unknown)
        assert (row.outcome, row.answer) == ("not-eligible", None)
    assert await records(db, user.id) == []
    assert (await state(db, product, user.id))["vouchers"] == 0
    row = await call_redeem_product(db, product.id, user.id, clock, completed_courses=[COURSE])
    assert row.outcome == "redeemed"


async def test_refusals_before_the_claim_write_nothing(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    sold_out = await product_factory(points_price=30, total_stock=0, per_user_limit=3)
    risky = await product_factory(kind="yield", product_risk_level="R4")
    missing = await call_redeem_product(db, uuid.uuid4(), user.id, clock)
    assert (missing.outcome, missing.kind, missing.points_price) == (
        "product-not-found",
        None,
        None,
    )
    out = await call_redeem_product(db, sold_out.id, user.id, clock)
    assert (out.outcome, out.kind, out.points_price, out.per_user_limit) == (
        "out-of-stock",
        "fee",
        30,
        3,
    )
    assert (await call_redeem_product(db, risky.id, user.id, clock)).outcome == "not-eligible"
    assert await records(db, user.id) == []
    for product in (sold_out, risky):
        assert (await state(db, product, user.id))["counted"] is None
    assert (await state(db, sold_out, user.id))["debits"] == 0


async def test_the_voucher_debit_and_answer_come_from_the_product_row(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(
        points_price=40, validity_days=7, per_user_limit=1, title_en="Commission waived"
    )
    plain = await product_factory(points_price=10)
    row = await call_redeem_product(db, product.id, user.id, clock)
    assert (row.outcome, row.kind, row.points_price, row.per_user_limit) == (
        "redeemed",
        "fee",
        40,
        1,
    )
    voucher = await _voucher(db, product)
    assert (voucher.title, voucher.title_en, voucher.terms) == (
        product.title,
        "Commission waived",
        product.terms,
    )
    assert (voucher.points_price, voucher.issued_at) == (40, clock.now())
    assert voucher.expires_at == clock.now() + timedelta(days=7)
    debit = await db.get(LedgerTransaction, voucher.debit_transaction_id)
    assert debit is not None
    assert debit.reason == {
        "code": "voucher_redeemed",
        "sku": product.sku,
        "title": product.title,
        "title_en": "Commission waived",
        "voucher_id": str(voucher.id),
    }
    assert '"points": 60' in row.answer
    limited = await call_redeem_product(db, product.id, user.id, clock, key="again")
    assert (limited.outcome, limited.per_user_limit) == ("limit-reached", 1)

    assert (
        await call_redeem_product(db, plain.id, user.id, clock, key="plain", code="5555-6666-7777")
    ).outcome == ("redeemed")
    plain_voucher = await _voucher(db, plain)
    plain_debit = await db.get(LedgerTransaction, plain_voucher.debit_transaction_id)
    assert plain_debit is not None
    assert "title_en" not in plain_debit.reason  # none to word in English


async def _voucher(db: AsyncSession, product: VoucherProduct) -> Voucher:
    rows = await db.scalars(sa.select(Voucher).where(col(Voucher.product_id) == product.id))
    return rows.one()
