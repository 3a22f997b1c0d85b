"""`voucher_redeem_keyed` (migration 0043): the key's claim, the redemption and its stored
answer in one statement (the route's `voucher_redeem_product` runs it, migration 0048), sent
without a transaction around it. A key used
before writes nothing, a refusal leaves no claim, and the stored answer replays as the same
bytes whatever the retry sends."""

import asyncio
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.idempotency import ANSWER_MEDIA_TYPE
from core.clock import FrozenClock
from gamification.vouchers.models import VoucherProduct
from tests.factories import UserFactory
from tests.helpers import (
    Funder,
    ProductFactory,
    http_client,
    points_of,
    redeem,
    remaining_stock,
    vouchers_of,
)
from tests.vouchers.test_redeem_function import redemption_params, state

ROUTE = "POST /v1/vouchers/redemptions"
KEYED = sa.text(
    "SELECT outcome, answer FROM voucher_redeem_keyed(:record_id, :caller, :route, :key, 'hash', "
    '\'{"locale": "en", "today": "2026-03-02"}\', :voucher_id, :code, :product_id, '
    ":user_id, :per_user_limit, :price, 'fee', 'title', NULL, '{}', '{}', :now, :expires_at, "
    ":day, :cap_day, :daily_cap, :lot_days, :daily_quests, :highest_tier, :cohort_size, "
    "CAST(:now AS timestamptz) + interval '30 days')"
)


async def call_keyed(
    db: AsyncSession,
    product: VoucherProduct,
    user_id: uuid.UUID,
    clock: FrozenClock,
    key: str,
    *,
    code: str = "2222-3333-4444",
) -> Any:
    params = {
        "record_id": uuid.uuid4(),
        "caller": f"user:{user_id}",
        "route": ROUTE,
        "key": key,
        **redemption_params(product, user_id, clock, code=code),
    }
    return (await db.execute(KEYED, params)).one()


async def records(db: AsyncSession, user_id: uuid.UUID) -> list[Any]:
    query = sa.text(
        "SELECT key, status_code, media_type, response_body FROM idempotency_record "
        "WHERE caller = :caller ORDER BY key"
    )
    return list(await db.execute(query, {"caller": f"user:{user_id}"}))


async def test_a_redemption_stores_its_answer_with_its_key_in_the_same_statement(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(points_price=30)
    row = await call_keyed(db, product, user.id, clock, "k")
    assert row.outcome == "redeemed"
    ((key, status, media_type, body),) = await records(db, user.id)
    assert (key, status, media_type, body) == ("k", 201, ANSWER_MEDIA_TYPE, row.answer)
    assert '"points": 70' in row.answer
    assert (await state(db, product, user.id))["vouchers"] == 1


async def test_a_key_used_before_answers_key_used_and_writes_nothing(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(points_price=30)
    assert (await call_keyed(db, product, user.id, clock, "k")).outcome == "redeemed"
    before = await state(db, product, user.id), await records(db, user.id)
    again = await call_keyed(db, product, user.id, clock, "k", code="5555-6666-7777")
    assert (again.outcome, again.answer) == ("key-used", None)
    assert (await state(db, product, user.id), await records(db, user.id)) == before


async def test_a_refusal_and_a_taken_code_leave_no_claim_behind(
    db: AsyncSession,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    user, other = await user_factory(), await user_factory()
    await fund(user.id, 20)
    await fund(other.id, 100)
    product = await product_factory(points_price=30)
    poor = await call_keyed(db, product, user.id, clock, "poor")
    assert (poor.outcome, poor.answer) == ("insufficient-points", None)
    assert await records(db, user.id) == []
    assert (await call_keyed(db, product, other.id, clock, "a")).outcome == "redeemed"
    taken = await call_keyed(db, product, other.id, clock, "b")  # the same code again
    assert taken.outcome == "code-taken"
    assert [record.key for record in await records(db, other.id)] == ["a"]


async def test_a_replay_is_the_first_answer_byte_for_byte_in_any_locale(
    own_app: Litestar, user_factory: UserFactory, product_factory: ProductFactory, fund: Funder
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(points_price=30)
    async with http_client(own_app) as client:
        first = await redeem(client, user.headers | {"Accept-Language": "zh-CN"}, product.id, "k")
        english = user.headers | {"Accept-Language": "en"}
        again = await redeem(client, english, product.id, "k")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert first.json()["wallet"]["points"] == 70


@pytest.mark.committing
async def test_autocommitted_redemptions_race_to_exact_counts_and_one_answer_per_key(
    own_app: Litestar,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    """As production runs the route (each statement commits on its own): fifty redeemers of
    twenty units, and one key sent twenty times at once."""
    product = await product_factory(points_price=10, total_stock=20)
    users = [await user_factory() for _ in range(50)]
    for user in users:
        await fund(user.id, 100)
    tapper = users[0]
    async with http_client(own_app) as client:
        storm = [redeem(client, user.headers, product.id) for user in users[1:]]
        taps = [redeem(client, tapper.headers, product.id, "tap") for _ in range(20)]
        responses = await asyncio.gather(*storm, *taps)
    tapped = responses[len(storm) :]
    assert {r.status_code for r in tapped} == {201} or {r.status_code for r in tapped} == {409}
    assert len({r.content for r in tapped}) == 1
    issued = [r for r in responses if r.status_code == 201]
    assert len({r.json()["voucher"]["id"] for r in issued}) == 20
    assert len(await vouchers_of(sessionmaker, product.id)) == 20
    assert await remaining_stock(sessionmaker, product.id) == 0
    tapper_paid = 10 if tapped[0].status_code == 201 else 0
    assert await points_of(sessionmaker, clock, tapper.id) == 100 - tapper_paid
