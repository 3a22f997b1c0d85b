"""A redemption is counted by the engagement after its commit (the outbox, migration 0051), and
the learner's own reads of quests, badges and league count it first: each shows it at once."""

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.engagement.jobs import drain_engagement_outbox
from api.jobs import JobContext
from api.settings import Settings
from core.clock import FrozenClock
from gamification.quests.catalogue import save_quests
from tests.engagement.catalogue import align_league_places, save_catalogue
from tests.engagement.test_report_function import reported_quest
from tests.factories import TestUser, UserFactory
from tests.helpers import Funder, ProductFactory, redeem

pytestmark = pytest.mark.committing

Sessions = async_sessionmaker[AsyncSession]


def stuck_drains() -> float:
    return REGISTRY.get_sample_value("investquest_engagement_stuck_drains_total") or 0.0


async def redeemed(
    client: AsyncClient, user_factory: UserFactory, fund: Funder, product_factory: ProductFactory
) -> TestUser:
    """A learner who has just redeemed a voucher, its event still in the outbox."""
    learner = await user_factory()
    await fund(learner.id, 100)
    product = await product_factory(points_price=30)
    assert (await redeem(client, learner.headers, product.id)).status_code == 201
    return learner


async def with_quests(sessions: Sessions, clock: FrozenClock) -> None:
    """The test catalogue with one daily quest over redemptions."""
    async with sessions.begin() as db:
        await save_catalogue(db, clock)
        await save_quests(
            db, [reported_quest("daily-redeem", "daily", kind="vouchers_redeemed")], now=clock.now()
        )
        await align_league_places(db)


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
    await with_quests(sessionmaker, clock)
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


# A fault in what one learner's events pay (here a trigger refusing to mark them seen).
REFUSE = """
CREATE FUNCTION test_refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.user_id = '{user_id}' THEN
        RAISE EXCEPTION 'this event cannot be counted';
    END IF;
    RETURN NEW;
END $$
"""
REFUSING = (
    "CREATE TRIGGER test_refuse_event BEFORE INSERT ON engagement_event_seen "
    "FOR EACH ROW EXECUTE FUNCTION test_refuse_event()"
)


async def test_events_that_cannot_be_counted_hold_back_no_one_and_fail_no_read(
    client: AsyncClient,
    sessionmaker: Sessions,
    settings: Settings,
    user_factory: UserFactory,
    fund: Funder,
    product_factory: ProductFactory,
    clock: FrozenClock,
) -> None:
    await with_quests(sessionmaker, clock)
    stuck = await redeemed(client, user_factory, fund, product_factory)
    other = await redeemed(client, user_factory, fund, product_factory)
    job = JobContext(sessionmaker, clock, settings)
    async with sessionmaker.begin() as db:
        await db.execute(sa.text(REFUSE.format(user_id=stuck.id)))
        await db.execute(sa.text(REFUSING))
    try:
        stuck_before = stuck_drains()
        summary = await drain_engagement_outbox(job)
        assert summary.endswith("; 1 learners' events could not be counted")
        assert stuck_drains() == stuck_before + 1  # what an alert watches
        assert (await pending(sessionmaker, stuck), await pending(sessionmaker, other)) == (1, 0)
        # The learner's reads answer with what is counted; the event waits for the fault's fix.
        for path in ("/v1/me/quests", "/v1/me/badges", "/v1/leagues/current"):
            response = await client.get(path, headers=stuck.headers)
            assert response.status_code == 200, (path, response.text)
        quests = (await client.get("/v1/me/quests", headers=other.headers)).json()
        assert [(q["id"], q["completed"]) for q in quests["daily"]] == [("daily-redeem", True)]
        assert await pending(sessionmaker, stuck) == 1
    finally:
        async with sessionmaker.begin() as db:
            await db.execute(sa.text("DROP TRIGGER test_refuse_event ON engagement_event_seen"))
            await db.execute(sa.text("DROP FUNCTION test_refuse_event()"))
    assert not (await drain_engagement_outbox(job)).endswith("could not be counted")
    assert await pending(sessionmaker, stuck) == 0
    quests = (await client.get("/v1/me/quests", headers=stuck.headers)).json()
    assert [(q["id"], q["completed"]) for q in quests["daily"]] == [("daily-redeem", True)]
