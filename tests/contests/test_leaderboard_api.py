"""The leaderboard and staff standings over HTTP: shapes, 404s, roles, the refresh job, and
the public_boards choice."""

import uuid
from datetime import timedelta
from decimal import Decimal

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.contests.standings_jobs import refresh_all_standings
from api.jobs import JobContext
from api.settings import Settings
from core.clock import FrozenClock
from tests.contests import standings_data as data
from tests.factories import UserFactory


async def test_leaderboard_after_the_refresh_job(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    now = clock.now()
    users = [await user_factory() for _ in range(3)]
    async with sessionmaker.begin() as db:
        await data.market(db, now)
        contest = await data.contest(db, now)
        for place, user in enumerate(users):
            await data.entry(db, contest, user.id, joined_at=now, cash=data.CASH - place * 100)
    path = f"/v1/contests/{contest.id}/leaderboard"
    before = (await client.get(path, headers=users[2].headers)).json()
    assert before == {"as_of": None, "entrants": 0, "items": [], "me": None}
    summary = await refresh_all_standings(JobContext(sessionmaker, clock, settings))
    assert summary.startswith("refreshed 1 of 1")
    board = (await client.get(f"{path}?limit=2", headers=users[2].headers)).json()
    assert [item["rank"] for item in board["items"]] == [1, 2]
    assert board["items"][0]["equity"] == "1000000.00"
    assert board["items"][1]["return_pct"] == "-0.01"
    assert board["me"]["rank"] == 3
    assert [row["rank"] for row in board["me"]["around"]] == [1, 2, 3]
    assert board["entrants"] == 3


async def test_opting_out_of_public_boards_shows_anonymous_to_others(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    now = clock.now()
    shy, other = await user_factory(), await user_factory()
    answer = await client.patch("/v1/me", json={"public_boards": False}, headers=shy.headers)
    assert answer.status_code == 200
    assert answer.json()["public_boards"] is False
    async with sessionmaker.begin() as db:
        await data.market(db, now)
        contest = await data.contest(db, now)
        await data.entry(db, contest, shy.id, joined_at=now, cash=Decimal("2000000.00"))
        await data.entry(db, contest, other.id, joined_at=now)
    await refresh_all_standings(JobContext(sessionmaker, clock, settings))
    path = f"/v1/contests/{contest.id}/leaderboard"
    seen_by_other = (await client.get(path, headers=other.headers)).json()
    assert seen_by_other["items"][0]["display_name"] == "anonymous"
    seen_by_self = (await client.get(path, headers=shy.headers)).json()
    assert seen_by_self["items"][0]["display_name"] != "anonymous"


async def test_unknown_contest_leaderboard_is_404(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    answer = await client.get(f"/v1/contests/{uuid.uuid4()}/leaderboard", headers=user.headers)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_staff_standings_page_by_rank_for_marketers_only(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    now = clock.now()
    marketer, learner = await user_factory(roles=["marketer"]), await user_factory()
    users = [await user_factory() for _ in range(3)]
    async with sessionmaker.begin() as db:
        await data.market(db, now)
        contest = await data.contest(db, now)
        for place, user in enumerate(users):
            joined = now - timedelta(minutes=place)
            await data.entry(db, contest, user.id, joined_at=joined, cash=data.CASH)
    await refresh_all_standings(JobContext(sessionmaker, clock, settings))
    path = f"/v1/admin/contests/{contest.id}/standings"
    assert (await client.get(path, headers=learner.headers)).status_code == 403
    first = (await client.get(f"{path}?limit=2", headers=marketer.headers)).json()
    assert [row["user_id"] for row in first["items"]] == [str(users[2].id), str(users[1].id)]
    assert first["frozen_at"] is None
    second = (
        await client.get(f"{path}?limit=2&cursor={first['next_cursor']}", headers=marketer.headers)
    ).json()
    assert [row["rank"] for row in second["items"]] == [3]
    assert second["next_cursor"] is None
