"""Redeeming points for vouchers, one request at a time: answers, refusals, eligibility."""

from datetime import timedelta

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from core.clock import FrozenClock
from gamification.ledger.models import LedgerTransaction
from gamification.vouchers.codes import normalise_code
from tests.factories import UserFactory
from tests.helpers import (
    Funder,
    ProductFactory,
    complete_course,
    points_of,
    redeem,
    remaining_stock,
    vouchers_of,
)


async def test_redemption_issues_a_voucher_and_debits_the_points(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(points_price=30, total_stock=5, validity_days=30)
    response = await redeem(client, user.headers, product.id)
    assert response.status_code == 201, response.text
    body = response.json()
    voucher = body["voucher"]
    assert voucher["status"] == "issued"
    assert voucher["kind"] == "fee"
    assert voucher["terms"] == {
        "type": "commission_waiver",
        "market": "cn_a_share",
        "waive_commission_up_to_cny": "5.00",
        "trades": 10,
    }
    assert normalise_code(voucher["code"]) == voucher["code"]
    assert voucher["expires_at"].startswith((clock.now() + timedelta(days=30)).date().isoformat())
    assert body["wallet"]["points"] == 70
    assert await points_of(sessionmaker, clock, user.id) == 70
    assert await remaining_stock(sessionmaker, product.id) == 4


async def test_retry_with_the_same_key_replays_without_a_second_debit(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    db: AsyncSession,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(points_price=30)
    first = await redeem(client, user.headers, product.id, key="same")
    again = await redeem(client, user.headers, product.id, key="same")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(await vouchers_of(sessionmaker, product.id)) == 1
    assert await points_of(sessionmaker, clock, user.id) == 70
    spends = await db.scalar(
        sa.select(sa.func.count()).where(col(LedgerTransaction.kind) == "spend")
    )
    assert spends == 1


async def test_missing_idempotency_key_is_422(
    client: AsyncClient, user_factory: UserFactory, product_factory: ProductFactory
) -> None:
    user = await user_factory()
    product = await product_factory()
    response = await client.post(
        "/v1/vouchers/redemptions", json={"product_id": str(product.id)}, headers=user.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_not_enough_points_is_409_and_changes_nothing(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 20)
    product = await product_factory(points_price=30, total_stock=5, per_user_limit=1)
    response = await redeem(client, user.headers, product.id, key="poor")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/insufficient-points")
    assert await remaining_stock(sessionmaker, product.id) == 5
    assert await points_of(sessionmaker, clock, user.id) == 20
    # The refused attempt did not count against the limit of one: with points it works.
    await fund(user.id, 20)
    assert (await redeem(client, user.headers, product.id)).status_code == 201
    # ...while the first key keeps its first answer.
    replay = await redeem(client, user.headers, product.id, key="poor")
    assert replay.status_code == 409
    assert replay.json()["type"].endswith("/insufficient-points")


async def test_sold_out_is_409_out_of_stock(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(points_price=10, total_stock=1)
    assert (await redeem(client, user.headers, product.id)).status_code == 201
    second = await redeem(client, user.headers, product.id)
    assert second.status_code == 409
    assert second.json()["type"].endswith("/out-of-stock")
    assert await points_of(sessionmaker, clock, user.id) == 90


async def test_second_redemption_over_limit_is_409(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(points_price=10, per_user_limit=2)
    assert (await redeem(client, user.headers, product.id)).status_code == 201
    assert (await redeem(client, user.headers, product.id)).status_code == 201
    third = await redeem(client, user.headers, product.id)
    assert third.status_code == 409
    assert third.json()["type"].endswith("/limit-reached")
    other = await user_factory()
    await fund(other.id, 100)
    assert (await redeem(client, other.headers, product.id)).status_code == 201


async def test_unknown_product_is_404(client: AsyncClient, user_factory: UserFactory) -> None:
    user = await user_factory()
    response = await redeem(client, user.headers, product_id=user.id)
    assert response.status_code == 404


async def test_risk_profile_must_reach_the_product_level(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
) -> None:
    product = await product_factory(kind="yield", product_risk_level="R2")
    unassessed = await user_factory()
    cautious = await user_factory(risk_profile="C1")
    balanced = await user_factory(risk_profile="C2")
    for user in (unassessed, cautious, balanced):
        await fund(user.id, 100)
    refused = await redeem(client, unassessed.headers, product.id)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/not-eligible")
    assert refused.json()["reason"] == "risk-assessment-required"
    too_low = await redeem(client, cautious.headers, product.id)
    assert too_low.status_code == 409
    assert too_low.json()["reason"] == "risk-profile-too-low"
    assert (await redeem(client, balanced.headers, product.id)).status_code == 201


async def test_lifecycle_stage_limits_who_may_redeem(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
) -> None:
    product = await product_factory(lifecycle_stages=("new",))
    newcomer = await user_factory(created_days_ago=30)
    veteran = await user_factory(created_days_ago=400)
    for user in (newcomer, veteran):
        await fund(user.id, 100)
    refused = await redeem(client, veteran.headers, product.id)
    assert refused.status_code == 409
    assert refused.json()["reason"] == "lifecycle-stage-not-eligible"
    assert (await redeem(client, newcomer.headers, product.id)).status_code == 201


async def test_a_required_course_must_be_completed_first(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    product = await product_factory(kind="yield", required_course_slug="funds-and-etfs")
    user = await user_factory(risk_profile="C1")
    await fund(user.id, 100)
    refused = await redeem(client, user.headers, product.id)
    assert refused.status_code == 409
    assert refused.json()["reason"] == "course-required"
    await complete_course(sessionmaker, clock, user.id, "funds-and-etfs")
    assert (await redeem(client, user.headers, product.id)).status_code == 201


async def test_redemption_only_inside_the_sale_window(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    now = clock.now()
    product = await product_factory(
        sale_starts_at=now + timedelta(minutes=5), sale_ends_at=now + timedelta(minutes=10)
    )
    early = await redeem(client, user.headers, product.id)
    assert early.status_code == 409
    assert early.json()["reason"] == "not-on-sale"
    clock.advance(timedelta(minutes=5))  # the access token lives 15 minutes
    assert (await redeem(client, user.headers, product.id)).status_code == 201
    clock.advance(timedelta(minutes=5))
    late = await redeem(client, user.headers, product.id)
    assert late.status_code == 409
    assert late.json()["reason"] == "not-on-sale"


async def test_catalogue_lists_products_on_sale_with_eligibility(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    clock: FrozenClock,
) -> None:
    now = clock.now()
    cheap = await product_factory(points_price=10, title_en="Cheap waiver")
    risky = await product_factory(kind="yield", product_risk_level="R3", points_price=20)
    course = await product_factory(points_price=30, required_course_slug="funds-and-etfs")
    await product_factory(points_price=5, sale_starts_at=now + timedelta(days=1))
    await product_factory(points_price=6, sale_ends_at=now - timedelta(seconds=1))
    user = await user_factory(risk_profile="C2", locale="en")
    response = await client.get("/v1/vouchers/products", headers=user.headers)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [str(cheap.id), str(risky.id), str(course.id)]
    assert items[0]["eligible"] is True
    assert items[0]["ineligible_reason"] is None
    assert items[0]["title"] == "Cheap waiver"
    assert items[1]["eligible"] is False
    assert items[1]["ineligible_reason"] == "risk-profile-too-low"
    assert items[2]["ineligible_reason"] == "course-required"
    assert {"points_price", "remaining_stock", "per_user_limit", "terms"} <= set(items[0])
    first = await client.get("/v1/vouchers/products?limit=2", headers=user.headers)
    rest = await client.get(
        f"/v1/vouchers/products?limit=2&cursor={first.json()['next_cursor']}",
        headers=user.headers,
    )
    assert [item["id"] for item in rest.json()["items"]] == [str(course.id)]
    assert rest.json()["next_cursor"] is None
