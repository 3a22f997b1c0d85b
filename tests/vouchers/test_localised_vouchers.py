"""Vouchers in the caller's locale: why a voucher is out of reach (a `reason` code, a message,
the required course by slug and title), the terms in a sentence, the product's name."""

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.factories import UserFactory
from tests.helpers import (
    YIELD_TERMS,
    Funder,
    ProductFactory,
    Publish,
    bundle_doc,
    publisher,
    redeem,
)


@pytest.fixture
def publish(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Publish:
    return publisher(sessionmaker, clock)


async def test_ineligible_products_say_why_in_the_callers_locale(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    publish: Publish,
) -> None:
    await publish(bundle_doc("funds-and-etfs"))
    await product_factory(kind="yield", required_course_slug="funds-and-etfs")
    chinese = await user_factory(risk_profile="C1")
    english = await user_factory(risk_profile="C1", locale="en")
    zh_item = (await client.get("/v1/vouchers/products", headers=chinese.headers)).json()
    en_item = (await client.get("/v1/vouchers/products", headers=english.headers)).json()
    zh, en = zh_item["items"][0], en_item["items"][0]
    assert zh["ineligible_reason"] == en["ineligible_reason"] == "course-required"
    assert zh["ineligible_message"] == "请先完成课程“中文 course funds-and-etfs”。"
    assert en["ineligible_message"] == "Complete the course “English course funds-and-etfs” first."
    assert en["required_course"] == {
        "slug": "funds-and-etfs",
        "title": "English course funds-and-etfs",
    }


async def test_a_refused_redemption_names_its_reason_as_a_field(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    publish: Publish,
) -> None:
    await publish(bundle_doc("funds-and-etfs"))
    course_product = await product_factory(kind="yield", required_course_slug="funds-and-etfs")
    newcomers_only = await product_factory(lifecycle_stages=("new",))
    learner = await user_factory(risk_profile="C1", locale="en", created_days_ago=400)
    await fund(learner.id, 100)
    refused = (await redeem(client, learner.headers, course_product.id)).json()
    assert refused["reason"] == "course-required"
    assert refused["required_course"]["title"] == "English course funds-and-etfs"
    assert refused["title"] == "You cannot redeem this voucher"
    assert "course-required" not in refused["detail"]
    chinese = {**learner.headers, "Accept-Language": "zh-CN"}
    stage = (await redeem(client, chinese, newcomers_only.id)).json()
    assert stage["reason"] == "lifecycle-stage-not-eligible"
    assert (stage["title"], stage["detail"]) == ("您无法兑换该优惠券", "该优惠券仅限新客户。")


async def test_terms_read_in_the_callers_locale(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
) -> None:
    terms = {**YIELD_TERMS, "product_name": "现金管理货币基金", "product_name_en": "Cash fund"}
    await product_factory(kind="yield", terms=terms, validity_days=14)
    learner = await user_factory(risk_profile="C1", locale="en")
    en = (await client.get("/v1/vouchers/products", headers=learner.headers)).json()["items"][0]
    assert en["terms"]["product_name"] == "Cash fund"
    assert "product_name_en" not in en["terms"]
    assert en["terms_text"].startswith("+")
    assert en["terms_text"].endswith("valid 14 days")
    assert "Cash fund" in en["terms_text"]
    zh_headers = {**learner.headers, "Accept-Language": "zh-CN"}
    zh = (await client.get("/v1/vouchers/products", headers=zh_headers)).json()["items"][0]
    assert zh["terms"]["product_name"] == "现金管理货币基金"
    assert zh["terms_text"].startswith("现金管理货币基金（货币基金，R1）")
    assert zh["terms_text"].endswith("14天内有效")
