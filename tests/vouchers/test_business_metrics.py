"""The business series of redemptions, points spent and partner consumes count what committed:
a refusal (rolled back inside its request) and an idempotent replay count nothing."""

from httpx import AsyncClient
from prometheus_client import REGISTRY

from tests.factories import UserFactory
from tests.helpers import Funder, PartnerKey, ProductFactory, redeem


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def redemption_series() -> tuple[float, float]:
    return (
        sample("investquest_redemptions_total", kind="fee"),
        sample("investquest_points_spent_total"),
    )


async def test_a_redemption_is_counted_once_and_a_refused_one_not_at_all(
    client: AsyncClient, user_factory: UserFactory, product_factory: ProductFactory, fund: Funder
) -> None:
    user = await user_factory()
    await fund(user.id, 50)
    product = await product_factory(points_price=30)
    redeemed, spent = redemption_series()

    assert (await redeem(client, user.headers, product.id, key="first")).status_code == 201
    assert (await redeem(client, user.headers, product.id, key="first")).status_code == 201
    assert redemption_series() == (redeemed + 1, spent + 30)

    refused = await redeem(client, user.headers, product.id)  # 20 points left: too few
    assert refused.status_code == 409
    assert redemption_series() == (redeemed + 1, spent + 30)


async def test_partner_consumes_are_counted_by_outcome(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    partner: PartnerKey,
) -> None:
    user = await user_factory()
    await fund(user.id, 30)
    product = await product_factory(points_price=30)
    code = (await redeem(client, user.headers, product.id)).json()["voucher"]["code"]
    outcomes = ("consumed", "repeated", "refused")
    before = [sample("investquest_partner_consumes_total", outcome=o) for o in outcomes]

    path = f"/v1/partner/vouchers/{code}/consume"
    for reference in ("T1", "T1", "T2"):
        await client.post(path, json={"reference": reference}, headers=partner.headers)

    after = [sample("investquest_partner_consumes_total", outcome=o) for o in outcomes]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]
