"""The refreshed standings: equity at the last price, ranks with deterministic ties, the
caller's place with the entries around it, anonymous names, and no count per request."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.contests.leaderboard import ANONYMOUS, leaderboard, staff_standings
from gamification.contests.models import ContestEntry
from gamification.contests.standings import (
    GENERATIONS_SCHEMA,
    drop_superseded_generations,
    ensure_state,
    refresh_standings,
)
from tests.contests import standings_data as data
from tests.contests.standings_data import Holding
from tests.factories import TestUser, UserFactory


async def refresh(
    db: AsyncSession, contest_id: uuid.UUID, clock: FrozenClock, *, freeze: bool = False
) -> None:
    await ensure_state(db, contest_id, now=clock.now())
    assert await refresh_standings(db, contest_id, ranking="return", now=clock.now(), freeze=freeze)


async def test_equity_is_cash_plus_positions_at_the_last_price(
    db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    now = clock.now()
    await data.market(db, now)
    contest = await data.contest(db, now)
    user = await user_factory()
    await data.entry(
        db,
        contest,
        user.id,
        joined_at=now,
        cash=Decimal("500000.00"),
        holdings=(Holding("600000.SH", 30000), Holding("000001.SZ", 10000)),
    )
    await data.set_price(db, "600000.SH", "11.000")
    await refresh(db, contest.id, clock)
    board = await leaderboard(db, contest.id, user_id=user.id, limit=10)
    assert board.me is not None
    assert board.me.equity == Decimal("1030000.00")  # 500k + 30k x 11 + 10k x 20
    assert board.me.return_pct == Decimal("3.00")
    assert board.as_of == now


async def test_ties_go_to_the_earlier_join_then_the_entry_id(
    db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    now = clock.now()
    await data.market(db, now)
    contest = await data.contest(db, now)
    late = await data.entry(db, contest, (await user_factory()).id, joined_at=now)
    early = await data.entry(db, contest, (await user_factory()).id, joined_at=now - timedelta(1))
    twins = [await data.entry(db, contest, (await user_factory()).id, joined_at=now) for _ in "ab"]
    await refresh(db, contest.id, clock)
    page = await staff_standings(db, contest.id, after_rank=0, limit=10)
    assert page is not None
    expected = [early.id, *sorted([late.id, *(t.id for t in twins)])]
    assert [row.entry_id for row in page.items] == expected
    assert [row.rank for row in page.items] == [1, 2, 3, 4]


async def test_me_shows_five_above_and_below_and_opted_out_names_are_anonymous(
    db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    now = clock.now()
    await data.market(db, now)
    contest = await data.contest(db, now)
    users = [await user_factory() for _ in range(15)]
    for place, user in enumerate(users):  # users[0] richest
        await data.entry(db, contest, user.id, joined_at=now, cash=data.CASH - place * 1000)
    shy = users[6]
    await db.execute(
        sa.text("UPDATE user_account SET public_boards = false WHERE id = :u"),
        {"u": shy.id},
    )
    await refresh(db, contest.id, clock)
    board = await leaderboard(db, contest.id, user_id=users[9].id, limit=3)
    assert [row.rank for row in board.items] == [1, 2, 3]
    assert board.me is not None
    assert board.me.rank == 10
    assert [row.rank for row in board.me.around] == list(range(5, 16))
    names = {row.rank: row.display_name for row in board.me.around}
    assert names[7] == ANONYMOUS
    assert names[10] != ANONYMOUS
    own = await leaderboard(db, contest.id, user_id=shy.id, limit=10)
    assert own.items[6].display_name != ANONYMOUS  # the learner sees their own name


async def test_me_is_null_until_a_refresh_after_joining(
    db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    now = clock.now()
    await data.market(db, now)
    contest = await data.contest(db, now)
    first, second = await user_factory(), await user_factory()
    await data.entry(db, contest, first.id, joined_at=now)
    before = await leaderboard(db, contest.id, user_id=first.id, limit=10)
    assert (before.as_of, before.me) == (None, None)
    await refresh(db, contest.id, clock)
    await data.entry(db, contest, second.id, joined_at=now)
    assert (await leaderboard(db, contest.id, user_id=second.id, limit=10)).me is None
    clock.advance(timedelta(seconds=10))
    await refresh(db, contest.id, clock)
    after = await leaderboard(db, contest.id, user_id=second.id, limit=10)
    assert after.me is not None
    assert after.me.rank == 2
    assert after.as_of == clock.now()


def name(user: TestUser) -> str:
    """The display name the user factory gives."""
    return user.email.partition("@")[0]


async def test_names_come_from_the_accounts_first_then_carry_over_and_newcomers_are_read(
    db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    """The first generation reads every name from the accounts in one join, a later one
    carries the names over and reads a newcomer's own."""
    now = clock.now()
    await data.market(db, now)
    contest = await data.contest(db, now)
    first, shy, newcomer = await user_factory(), await user_factory(), await user_factory()
    await data.entry(db, contest, first.id, joined_at=now, cash=data.CASH)
    await data.entry(db, contest, shy.id, joined_at=now, cash=data.CASH - 1000)
    await db.execute(
        sa.text("UPDATE user_account SET public_boards = false WHERE id = :u"), {"u": shy.id}
    )
    await refresh(db, contest.id, clock)
    seen_by_first = await leaderboard(db, contest.id, user_id=first.id, limit=10)
    assert [row.display_name for row in seen_by_first.items] == [name(first), ANONYMOUS]
    await data.entry(db, contest, newcomer.id, joined_at=now, cash=data.CASH - 2000)
    clock.advance(timedelta(seconds=10))
    await refresh(db, contest.id, clock)
    seen_by_first = await leaderboard(db, contest.id, user_id=first.id, limit=10)
    names = [row.display_name for row in seen_by_first.items]
    assert names == [name(first), ANONYMOUS, name(newcomer)]


async def test_anonymised_entries_leave_the_board(
    db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    now = clock.now()
    await data.market(db, now)
    contest = await data.contest(db, now)
    gone = await data.entry(db, contest, (await user_factory()).id, joined_at=now)
    stays = await data.entry(db, contest, (await user_factory()).id, joined_at=now)
    gone_row = await db.get(ContestEntry, gone.id)
    assert gone_row is not None
    gone_row.anonymised_at = now
    await db.flush()
    await refresh(db, contest.id, clock)
    page = await staff_standings(db, contest.id, after_rank=0, limit=10)
    assert page is not None
    assert [row.entry_id for row in page.items] == [stays.id]


async def test_risk_adjusted_ranks_return_over_the_floored_drawdown(
    db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    now = clock.now()
    await data.market(db, now)
    contest = await data.contest(db, now, ranking="risk_adjusted")
    steady = await data.entry(
        db,
        contest,
        (await user_factory()).id,
        joined_at=now,
        cash=Decimal("10000.00"),
        holdings=(Holding("600000.SH", 100000),),
    )  # equity 1,010,000
    wild = await data.entry(
        db,
        contest,
        (await user_factory()).id,
        joined_at=now,
        cash=Decimal("0.00"),
        holdings=(Holding("000001.SZ", 50000),),
    )  # equity 1,000,000, then swings
    await ensure_state(db, contest.id, now=now)
    await data.set_price(db, "000001.SZ", "30.000")  # wild up 50%
    await refresh_standings(db, contest.id, ranking="risk_adjusted", now=now)
    await data.set_price(db, "000001.SZ", "20.500")  # wild falls 31.67% from its peak
    await refresh_standings(db, contest.id, ranking="risk_adjusted", now=now)
    page = await staff_standings(db, contest.id, after_rank=0, limit=10)
    assert page is not None
    by_entry = {row.entry_id: row for row in page.items}
    assert by_entry[wild.id].return_pct == Decimal("2.50")
    assert by_entry[wild.id].max_drawdown_pct == Decimal("31.67")
    assert by_entry[steady.id].score == Decimal("1.0000")  # 1% over the 1% floor
    assert [row.entry_id for row in page.items] == [steady.id, wild.id]


async def test_frozen_standings_are_not_refreshed(
    db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    now = clock.now()
    await data.market(db, now)
    contest = await data.contest(db, now)
    await data.entry(db, contest, (await user_factory()).id, joined_at=now)
    await refresh(db, contest.id, clock, freeze=True)
    assert await refresh_standings(db, contest.id, ranking="return", now=now) is None


GENERATION_TABLES = sa.text(
    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
    "WHERE i.inhparent = 'contest_standing'::regclass ORDER BY c.relname"
)
CURRENT = sa.text("SELECT 'g' || generation FROM contest_standings_state WHERE contest_id = :c")


async def test_each_generation_is_a_partition_and_superseded_ones_are_dropped(
    db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    now = clock.now()
    await data.market(db, now)
    contest = await data.contest(db, now)
    user = await user_factory()
    await data.entry(db, contest, user.id, joined_at=now)
    await refresh(db, contest.id, clock)
    await refresh(db, contest.id, clock)
    current = await db.scalar(CURRENT, {"c": contest.id})
    assert current in set(await db.scalars(GENERATION_TABLES))
    dropped = await drop_superseded_generations(db)
    assert dropped is not None
    assert dropped >= 1
    assert list(await db.scalars(GENERATION_TABLES)) == [current]
    assert await drop_superseded_generations(db) == 0
    board = await leaderboard(db, contest.id, user_id=user.id, limit=10)
    assert board.me is not None
    assert board.me.rank == 1


@pytest.mark.committing
async def test_a_reader_in_the_way_keeps_the_superseded_generation_for_the_next_drop(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, user_factory: UserFactory
) -> None:
    now = clock.now()
    user = await user_factory()
    async with sessionmaker.begin() as db:
        await data.market(db, now)
        contest = await data.contest(db, now)
        await data.entry(db, contest, user.id, joined_at=now)
        await ensure_state(db, contest.id, now=now)
    for _ in range(2):
        async with sessionmaker.begin() as db:
            await refresh_standings(db, contest.id, ranking="return", now=now)
    async with sessionmaker() as reader:
        await reader.execute(sa.text("SELECT 1"))  # a transaction, as a reading job has
        await leaderboard(reader, contest.id, user_id=user.id, limit=10)  # its lock stays
        async with sessionmaker.begin() as db:
            assert await drop_superseded_generations(db) is None
    async with sessionmaker.begin() as db:
        dropped = await drop_superseded_generations(db)  # earlier tests' may be there too
        assert dropped is not None
        assert dropped >= 1
        tables = list(await db.scalars(GENERATION_TABLES))
        assert tables == [await db.scalar(CURRENT, {"c": contest.id})]
        schema = await db.scalar(
            sa.text("SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname = :t"),
            {"t": tables[0]},
        )
    assert schema == GENERATIONS_SCHEMA
