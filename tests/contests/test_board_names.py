"""Board names stored in the standings: a learner's new name, opting out of public boards and an
erased account show on the current (and the frozen final) standings at once, without waiting for
a refresh, and a change made while a refresh is being built is in the generation it publishes."""

import asyncio
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.contests.leaderboard import ANONYMOUS, Leaderboard, leaderboard
from gamification.contests.standings import BOARD_NAMES_LOCK, ensure_state, refresh_standings
from tests.contests import standings_data as data
from tests.factories import TestUser, UserFactory
from tests.waiting import eventually


async def two_entrants(
    db: AsyncSession, clock: FrozenClock, first: TestUser, second: TestUser
) -> uuid.UUID:
    """`first` ahead of `second`, standings refreshed once."""
    now = clock.now()
    await data.market(db, now)
    contest = await data.contest(db, now)
    await data.entry(db, contest, first.id, joined_at=now, cash=Decimal("2000000.00"))
    await data.entry(db, contest, second.id, joined_at=now)
    await ensure_state(db, contest.id, now=now)
    assert await refresh_standings(db, contest.id, ranking="return", now=now)
    return contest.id


def names(board: Leaderboard) -> list[str]:
    return [row.display_name for row in board.items]


async def test_opting_out_after_a_refresh_hides_the_name_before_the_next_one(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    shy, other = await user_factory(), await user_factory()
    contest_id = await two_entrants(db, clock, shy, other)
    assert names(await leaderboard(db, contest_id, user_id=other.id, limit=10))[0] != ANONYMOUS
    answer = await client.patch("/v1/me", json={"public_boards": False}, headers=shy.headers)
    assert answer.status_code == 200
    seen_by_other = await leaderboard(db, contest_id, user_id=other.id, limit=10)
    assert names(seen_by_other)[0] == ANONYMOUS
    seen_by_self = await leaderboard(db, contest_id, user_id=shy.id, limit=10)
    assert names(seen_by_self)[0] != ANONYMOUS


async def test_a_new_display_name_shows_before_the_next_refresh(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    renamed, other = await user_factory(), await user_factory()
    contest_id = await two_entrants(db, clock, renamed, other)
    answer = await client.patch(
        "/v1/me", json={"display_name": "Brave Panda"}, headers=renamed.headers
    )
    assert answer.status_code == 200
    board = await leaderboard(db, contest_id, user_id=other.id, limit=10)
    assert names(board)[0] == "Brave Panda"


async def test_an_erased_account_is_anonymous_on_the_frozen_final_standings(
    db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    erased, other = await user_factory(), await user_factory()
    contest_id = await two_entrants(db, clock, erased, other)
    assert await refresh_standings(db, contest_id, ranking="return", now=clock.now(), freeze=True)
    # What erasure does to the account (api.accounts.privacy): the name goes.
    await db.execute(
        sa.text("UPDATE user_account SET display_name = NULL WHERE id = :u"), {"u": erased.id}
    )
    board = await leaderboard(db, contest_id, user_id=other.id, limit=10)
    assert names(board) == [ANONYMOUS, other.email.partition("@")[0]]


async def test_erasure_takes_the_name_off_every_generation_superseded_ones_too(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    erased, other = await user_factory(), await user_factory()
    contest_id = await two_entrants(db, clock, erased, other)
    assert await refresh_standings(db, contest_id, ranking="return", now=clock.now())
    carrying_the_name = sa.text(
        "SELECT count(DISTINCT generation) FROM contest_standing"
        " WHERE user_id = :u AND (display_name IS NOT NULL OR public_boards)"
    )
    assert await db.scalar(carrying_the_name, {"u": erased.id}) == 2
    assert (await client.delete("/v1/me", headers=erased.headers)).status_code == 204
    assert await db.scalar(carrying_the_name, {"u": erased.id}) == 0
    others = await db.scalar(
        sa.text("SELECT count(*) FROM contest_standing WHERE user_id = :u AND public_boards"),
        {"u": other.id},
    )
    assert others == 2


async def waiting_for_the_names_lock(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    async with sessionmaker() as db:
        waiting = await db.scalar(
            sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND objid = :key"
            ),
            {"key": BOARD_NAMES_LOCK},
        )
    return bool(waiting)


@pytest.mark.committing
async def test_opting_out_while_a_refresh_is_built_reaches_the_generation_it_publishes(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, user_factory: UserFactory
) -> None:
    shy, other = await user_factory(), await user_factory()
    async with sessionmaker.begin() as db:
        contest_id = await two_entrants(db, clock, shy, other)

    async def refresh() -> None:
        async with sessionmaker.begin() as db:
            assert await refresh_standings(db, contest_id, ranking="return", now=clock.now())

    async with sessionmaker.begin() as opting_out:
        await opting_out.execute(
            sa.text("UPDATE user_account SET public_boards = false WHERE id = :u"),
            {"u": shy.id},
        )
        # The refresh has built its generation without seeing the change (not committed yet)
        # and waits to publish it.
        refreshing = asyncio.create_task(refresh())
        await eventually(lambda: waiting_for_the_names_lock(sessionmaker), within=30)
    await refreshing
    async with sessionmaker() as db:
        board = await leaderboard(db, contest_id, user_id=other.id, limit=10)
        generation = await db.scalar(
            sa.text("SELECT generation FROM contest_standings_state WHERE contest_id = :c"),
            {"c": contest_id},
        )
    assert generation is not None
    assert generation > 1  # the refresh published its generation
    assert names(board) == [ANONYMOUS, other.email.partition("@")[0]]
