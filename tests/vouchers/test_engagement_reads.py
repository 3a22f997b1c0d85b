"""A redemption is counted by the engagement after its commit (the outbox, migration 0051), and
the learner's own reads of quests, badges and league count it first: each shows it at once."""

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.quests.catalogue import save_quests
from tests.engagement.catalogue import align_league_places, save_catalogue
from tests.engagement.test_report_function import reported_quest
from tests.factories import TestUser, UserFactory
from tests.helpers import Funder, ProductFactory, redeem

pytestmark = pytest.mark.committing

Sessions = async_sessionmaker[AsyncSession]


async def redeemed(
    client: AsyncClient, user_factory: UserFactory, fund: Funder, product_factory: ProductFactory
) -> TestUser:
    """A learner who has just redeemed a voucher, its event still in the outbox."""
    learner = await user_factory()
    await fund(learner.id, 100)
    product = await product_factory(points_price=30)
    assert (await redeem(client, learner.headers, product.id)).status_code == 201
    return learner


async def pending(sessions: Sessions, learner: TestUser) -> int:
    async with sessions() as db:
        count = await db.scalar(
            sa.text("SELECT count(*) FROM engagement_outbox WHERE user_id = :u"),
            {"u": learner.id},
        )
        return int(count or 0)


async def test_each_of_the_learners_reads_counts_their_redemption_first(
    client: AsyncClient,
    sessionmaker: Sessions,
    user_factory: UserFactory,
    fund: Funder,
    product_factory: ProductFactory,
    clock: FrozenClock,
) -> None:
    async with sessionmaker.begin() as db:
        await save_catalogue(db, clock)
        await save_quests(
            db, [reported_quest("daily-redeem", "daily", kind="vouchers_redeemed")], now=clock.now()
        )
        await align_league_places(db)

    learner = await redeemed(client, user_factory, fund, product_factory)
    assert await pending(sessionmaker, learner) == 1
    response = await client.get("/v1/me/quests", headers=learner.headers)
    assert response.status_code == 200
    assert [(q["id"], q["progress"], q["completed"]) for q in response.json()["daily"]] == [
        ("daily-redeem", 1, True)
    ]
    assert await pending(sessionmaker, learner) == 0

    learner = await redeemed(client, user_factory, fund, product_factory)
    response = await client.get("/v1/me/badges", headers=learner.headers)
    assert response.status_code == 200
    assert [b["id"] for b in response.json()["earned"]] == ["redeemer"]

    learner = await redeemed(client, user_factory, fund, product_factory)
    response = await client.get("/v1/leagues/current", headers=learner.headers)
    assert response.status_code == 200
    assert [m["xp"] for m in response.json()["members"] if m["me"]] == [5]
    # The quest's points reached the wallet with it.
    wallet = await client.get("/v1/me/wallet", headers=learner.headers)
    assert wallet.json()["points"] == 80
