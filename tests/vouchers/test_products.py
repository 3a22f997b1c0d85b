"""Marketers define and edit voucher products (audited); the seed catalogue loads."""

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.audit import AuditLog
from api.seed import SEED_DIR
from api.vouchers.loading import (
    VoucherSeedProblem,
    load_seed_vouchers,
    read_catalogue,
    seed_vouchers_loaded,
)
from core.clock import FrozenClock
from gamification.vouchers.models import VoucherProduct
from tests.factories import UserFactory
from tests.helpers import Funder, complete_course, redeem

NEW_PRODUCT: dict[str, Any] = {
    "sku": "fee-etf-waive5-x3",
    "kind": "fee",
    "title": "ETF免五券（3笔）",
    "terms": {"market": "cn_etf", "waive_commission_up_to_cny": 5, "trades": 3},
    "points_price": 90,
    "total_stock": 2,
    "per_user_limit": 1,
    "validity_days": 14,
}


async def test_marketer_creates_a_product_that_goes_on_sale(
    client: AsyncClient, user_factory: UserFactory, fund: Funder, db: AsyncSession
) -> None:
    marketer = await user_factory(roles=["marketer"])
    created = await client.post(
        "/v1/admin/voucher-products", json=NEW_PRODUCT, headers=marketer.headers
    )
    assert created.status_code == 201, created.text
    product = created.json()
    assert product["id"]
    assert product["remaining_stock"] == 2
    assert product["terms"]["waive_commission_up_to_cny"] == "5.00"
    learner = await user_factory()
    await fund(learner.id, 100)
    assert (await redeem(client, learner.headers, product["id"])).status_code == 201
    (audit,) = (
        await db.scalars(
            sa.select(AuditLog).where(col(AuditLog.action) == "voucher_product.create")
        )
    ).all()
    assert audit.actor_id == marketer.id
    assert audit.summary["sku"] == NEW_PRODUCT["sku"]


async def test_only_marketers_and_admins_define_products(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    learner = await user_factory()
    editor = await user_factory(roles=["editor"])
    admin = await user_factory(roles=["admin"])
    for user in (learner, editor):
        response = await client.post(
            "/v1/admin/voucher-products", json=NEW_PRODUCT, headers=user.headers
        )
        assert response.status_code == 403
    ok = await client.post("/v1/admin/voucher-products", json=NEW_PRODUCT, headers=admin.headers)
    assert ok.status_code == 201


async def test_duplicate_sku_is_409(client: AsyncClient, user_factory: UserFactory) -> None:
    marketer = await user_factory(roles=["marketer"])
    first = await client.post(
        "/v1/admin/voucher-products", json=NEW_PRODUCT, headers=marketer.headers
    )
    assert first.status_code == 201
    again = await client.post(
        "/v1/admin/voucher-products", json=NEW_PRODUCT, headers=marketer.headers
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("/duplicate-sku")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"terms": {"market": "nasdaq", "rebate_cny": 5}}, "terms.market"),
        ({"terms": {"market": "cn_etf", "rebate_cny": "1.005"}}, "terms.rebate_cny"),
        ({"kind": "yield"}, "product_risk_level"),
        (
            {"sale_starts_at": "2026-05-01T00:00:00Z", "sale_ends_at": "2026-04-01T00:00:00Z"},
            "sale_ends_at",
        ),
        ({"required_course_slug": "no-such-course"}, "required_course_slug"),
        ({"lifecycle_stages": ["retired"]}, "lifecycle_stages"),
    ],
)
async def test_invalid_products_are_422_naming_the_field(
    client: AsyncClient, user_factory: UserFactory, changes: dict[str, Any], field: str
) -> None:
    marketer = await user_factory(roles=["marketer"])
    response = await client.post(
        "/v1/admin/voucher-products", json=NEW_PRODUCT | changes, headers=marketer.headers
    )
    assert response.status_code == 422, response.text
    fields = [error["field"] for error in response.json()["errors"]]
    assert field in fields or any(f.startswith(field) for f in fields), fields


async def test_stock_can_be_raised_and_never_set_below_what_was_issued(
    client: AsyncClient, user_factory: UserFactory, fund: Funder, db: AsyncSession
) -> None:
    marketer = await user_factory(roles=["marketer"])
    product = (
        await client.post("/v1/admin/voucher-products", json=NEW_PRODUCT, headers=marketer.headers)
    ).json()
    url = f"/v1/admin/voucher-products/{product['id']}"
    for _ in range(2):
        learner = await user_factory()
        await fund(learner.id, 100)
        assert (await redeem(client, learner.headers, product["id"])).status_code == 201
    below = await client.patch(url, json={"total_stock": 1}, headers=marketer.headers)
    assert below.status_code == 409
    assert below.json()["type"].endswith("/stock-below-issued")
    raised = await client.patch(url, json={"total_stock": 10}, headers=marketer.headers)
    assert raised.status_code == 200
    assert (raised.json()["total_stock"], raised.json()["remaining_stock"]) == (10, 8)
    assert raised.json()["issued"] == 2
    lowered = await client.patch(url, json={"total_stock": 2}, headers=marketer.headers)
    assert (lowered.json()["total_stock"], lowered.json()["remaining_stock"]) == (2, 0)
    audits = (
        await db.scalars(
            sa.select(AuditLog)
            .where(col(AuditLog.action) == "voucher_product.update")
            .order_by(col(AuditLog.created_at), col(AuditLog.id))
        )
    ).all()
    assert [a.summary["total_stock"] for a in audits] == [
        {"before": 2, "after": 10},
        {"before": 10, "after": 2},
    ]


async def test_patch_edits_fields_and_refuses_the_fixed_ones(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    marketer = await user_factory(roles=["marketer"])
    product = (
        await client.post("/v1/admin/voucher-products", json=NEW_PRODUCT, headers=marketer.headers)
    ).json()
    url = f"/v1/admin/voucher-products/{product['id']}"
    edited = await client.patch(
        url,
        json={"points_price": 120, "sale_ends_at": "2030-01-01T00:00:00+08:00", "title_en": "x"},
        headers=marketer.headers,
    )
    assert edited.status_code == 200
    assert edited.json()["points_price"] == 120
    assert edited.json()["sale_ends_at"].startswith("2029-12-31T16:00:00")
    cleared = await client.patch(url, json={"sale_ends_at": None}, headers=marketer.headers)
    assert cleared.json()["sale_ends_at"] is None
    fixed = await client.patch(url, json={"kind": "yield"}, headers=marketer.headers)
    assert fixed.status_code == 422
    missing = await client.patch(
        "/v1/admin/voucher-products/00000000-0000-7000-8000-000000000000",
        json={"points_price": 1},
        headers=marketer.headers,
    )
    assert missing.status_code == 404


async def test_yield_risk_level_follows_a_patch_of_either_side(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    marketer = await user_factory(roles=["marketer"])
    body = NEW_PRODUCT | {
        "sku": "yield-mmf",
        "kind": "yield",
        "terms": {
            "product_name": "Money fund",
            "product_type": "money_market",
            "boost_pct_per_year": "1.5",
            "principal_cap_cny": "10000",
            "days": 7,
        },
        "product_risk_level": "R1",
    }
    product = (
        await client.post("/v1/admin/voucher-products", json=body, headers=marketer.headers)
    ).json()
    assert product["terms"]["product_risk_level"] == "R1"
    url = f"/v1/admin/voucher-products/{product['id']}"
    raised = await client.patch(url, json={"product_risk_level": "R2"}, headers=marketer.headers)
    assert raised.status_code == 200, raised.text
    assert raised.json()["terms"]["product_risk_level"] == "R2"


async def test_seed_catalogue_is_valid_and_loads_once(
    db: AsyncSession, client: AsyncClient, user_factory: UserFactory, fund: Funder
) -> None:
    drafts = read_catalogue(SEED_DIR / "vouchers.yaml")
    assert len(drafts) >= 4
    assert {d.kind for d in drafts} == {"fee", "yield"}
    assert all(d.product_risk_level for d in drafts if d.kind == "yield")
    assert not await seed_vouchers_loaded(db)
    assert "added" in await load_seed_vouchers(db, SEED_DIR)
    assert await seed_vouchers_loaded(db)
    report = await load_seed_vouchers(db, SEED_DIR)
    assert f"0 added, {len(drafts)} already present" in report
    count = await db.scalar(sa.select(sa.func.count()).select_from(VoucherProduct))
    assert count == len(drafts)


async def test_seed_money_market_boost_is_unlocked_by_the_funds_course(
    db: AsyncSession,
    client: AsyncClient,
    user_factory: UserFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    await load_seed_vouchers(db, SEED_DIR)
    await db.flush()
    mmf = await db.scalar(
        sa.select(VoucherProduct).where(col(VoucherProduct.sku) == "yield-mmf-1.5pct-7d")
    )
    assert mmf is not None
    learner = await user_factory(risk_profile="C1")
    await fund(learner.id, 1000)
    locked = await redeem(client, learner.headers, mmf.id)
    assert locked.status_code == 409
    assert locked.json()["reason"] == "course-required"
    await complete_course(sessionmaker, clock, learner.id, "funds-and-etfs")
    unlocked = await redeem(client, learner.headers, mmf.id)
    assert unlocked.status_code == 201
    assert unlocked.json()["voucher"]["terms"]["boost_pct_per_year"] == "1.50"


def test_a_broken_seed_file_names_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "vouchers.yaml"
    path.write_text(
        "format: 1\nproducts:\n"
        "  - {sku: a, kind: fee, title: t, terms: {market: moon}, points_price: 1,"
        " total_stock: 1, per_user_limit: 1, validity_days: 1}\n"
        "  - {sku: b, kind: yield, title: t, terms: {}, points_price: 1, total_stock: 1,"
        " per_user_limit: 1, validity_days: 1, colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(VoucherSeedProblem) as problem:
        read_catalogue(path)
    assert "products[0]" in str(problem.value)
    assert "terms.market" in str(problem.value)
    assert "products[1]" in str(problem.value)
