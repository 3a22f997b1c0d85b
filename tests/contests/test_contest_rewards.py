"""Contest rewards through the rule table: joining pays once; trading pays nothing."""

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.contests import standings_data as data
from tests.factories import UserFactory
from tests.helpers import rules_loader


async def test_joining_a_contest_pays_the_joining_reward_once(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
) -> None:
    await rules_loader(sessionmaker, clock)()
    learner = await user_factory()
    async with sessionmaker.begin() as db:
        await data.market(db, clock.now())
        contest = await data.contest(db, clock.now())
    joined = await client.post(f"/v1/contests/{contest.id}/entries", headers=learner.headers)
    assert joined.status_code == 201
    again = await client.post(f"/v1/contests/{contest.id}/entries", headers=learner.headers)
    assert again.status_code == 409
    order = {
        "symbol": "600000.SH",
        "side": "buy",
        "type": "market",
        "quantity": 100,
        "client_order_id": "first",
    }
    placed = await client.post(
        f"/v1/contests/{contest.id}/orders", json=order, headers=learner.headers
    )
    assert placed.status_code == 201
    wallet = (await client.get("/v1/me/wallet", headers=learner.headers)).json()
    assert (wallet["points"], wallet["xp"]) == (
        10,
        10,
    )  # the joining reward, and nothing for the order
