"""Statements sent straight to the driver (`core.driver_reads`): the statement's own literals and
the caller's parameters (converted where their type asks), rows by attribute, the session's
transaction, a request's own pooled connection (taken when first used, given back, its writes
committed by themselves), a step of the session's transaction (rolled back with it), and a
stalled database as `DatabaseUnavailable` with the connection replaced."""

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.database import create_engine, create_sessionmaker, request_connection_for
from api.settings import Settings
from core.driver_reads import REQUEST_CONNECTION, DriverRead, DriverStep, DriverWrite
from core.outages import DatabaseUnavailable

NUMBERS = DriverRead(
    sa.select(
        sa.literal_column("n").label("n"),
        (sa.literal_column("n") * sa.bindparam("factor", type_=sa.Integer())).label("times"),
        sa.literal("fixed").label("label"),
    ).select_from(sa.text("generate_series(1, 3) AS n"))
)
SLEEP = DriverRead(sa.select(sa.func.pg_sleep(sa.bindparam("seconds", type_=sa.Float()))))


async def test_a_read_takes_its_parameters_and_answers_rows_by_attribute(db: AsyncSession) -> None:
    rows = await NUMBERS.all(db, factor=10)
    assert [(row.n, row.times, row.label) for row in rows] == [
        (1, 10, "fixed"),
        (2, 20, "fixed"),
        (3, 30, "fixed"),
    ]
    first = await NUMBERS.first(db, factor=2)
    assert first is not None
    assert first.times == 2
    with pytest.raises(AttributeError):
        _ = first.missing


async def test_a_missing_parameter_is_refused(db: AsyncSession) -> None:
    with pytest.raises(KeyError):
        await NUMBERS.all(db)


async def test_a_read_sees_what_its_transaction_wrote(db: AsyncSession) -> None:
    await db.execute(sa.text("CREATE TEMP TABLE driver_read_item (n integer)"))
    await db.execute(sa.text("INSERT INTO driver_read_item VALUES (7)"))
    seen = DriverRead(sa.select(sa.column("n")).select_from(sa.table("driver_read_item")))
    assert [row.n for row in await seen.all(db)] == [7]


@pytest.fixture
async def deadline_sessions(
    database_url: str, settings: Settings
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    short = settings.model_copy(update={"db_unavailable_timeout_seconds": 0.5})
    engine: AsyncEngine = create_engine(database_url, short, serves_requests=True)
    yield create_sessionmaker(engine, autocommit=True)
    await engine.dispose()


async def test_a_read_past_the_deadline_is_database_unavailable(
    deadline_sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with deadline_sessions() as db:
        with pytest.raises(DatabaseUnavailable):
            await SLEEP.all(db, seconds=2.0)
    async with deadline_sessions() as db:  # the timed-out connection was replaced
        assert len(await NUMBERS.all(db, factor=1)) == 3


async def test_parameters_are_converted_as_their_types_ask(db: AsyncSession) -> None:
    converted = DriverRead(
        sa.select(
            sa.bindparam("doc", type_=JSONB)["name"].astext.label("name"),
            sa.func.cardinality(sa.bindparam("tags", type_=ARRAY(sa.Text()))).label("tags"),
        )
    )
    row = await converted.first(db, doc={"name": "Ada"}, tags=("a", "b", "c"))
    assert row is not None
    assert (row.name, row.tags) == ("Ada", 3)


@pytest.fixture
async def scratch_table(engine: AsyncEngine) -> AsyncIterator[sa.Table]:
    table = sa.Table("driver_write_item", sa.MetaData(), sa.Column("n", sa.Integer))
    async with engine.begin() as conn:
        await conn.run_sync(table.create)
    yield table
    async with engine.begin() as conn:
        await conn.run_sync(table.drop)


def _insert(table: sa.Table) -> DriverWrite:
    return DriverWrite(
        sa.insert(table).values(n=sa.bindparam("n", type_=sa.Integer())).returning(table.c.n)
    )


async def _numbers_in(engine: AsyncEngine, table: sa.Table) -> list[int]:
    async with engine.connect() as conn:
        return list((await conn.scalars(sa.select(table.c.n).order_by(table.c.n))).all())


@pytest.mark.committing
async def test_a_request_connection_is_taken_when_first_used_and_given_back(
    engine: AsyncEngine, scratch_table: sa.Table
) -> None:
    sessions = create_sessionmaker(engine, autocommit=True)
    checked_out = engine.pool.checkedout()  # type: ignore[attr-defined]
    async with sessions() as db:
        own = request_connection_for(sessions)
        db.info[REQUEST_CONNECTION] = own
        assert engine.pool.checkedout() == checked_out  # type: ignore[attr-defined]
        assert len(await NUMBERS.all(db, factor=1)) == 3
        written = await _insert(scratch_table).all(db, n=1)
        assert [row.n for row in written] == [1]
        assert engine.pool.checkedout() == checked_out + 1  # type: ignore[attr-defined]
        assert not db.in_transaction()  # the session itself never took a connection
        await db.rollback()
        await own.release()
        assert engine.pool.checkedout() == checked_out  # type: ignore[attr-defined]
    assert await _numbers_in(engine, scratch_table) == [1]  # it committed by itself


@pytest.mark.committing
async def test_a_driver_write_elsewhere_is_part_of_the_sessions_transaction(
    engine: AsyncEngine, scratch_table: sa.Table
) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as db:
        await _insert(scratch_table).all(db, n=2)
        assert db.in_transaction()
        await db.rollback()
    async with sessions.begin() as db:
        await _insert(scratch_table).all(db, n=3)
    assert await _numbers_in(engine, scratch_table) == [3]


# Which way the statement went: `alone` is true only when it commits by itself.
WHICH_WAY = DriverWrite(
    sa.select(sa.bindparam("alone", value=False, type_=sa.Boolean()).label("alone")),
    alone={"alone": True},
)


@pytest.mark.committing
async def test_a_driver_writes_alone_parameters_go_only_where_it_commits_by_itself(
    engine: AsyncEngine,
) -> None:
    """What is safe only in a transaction of its own (a relaxed commit) is never sent into a
    session's transaction."""
    sessions = create_sessionmaker(engine, autocommit=True)
    async with sessions() as db:
        own = request_connection_for(sessions)
        db.info[REQUEST_CONNECTION] = own
        assert [row.alone for row in await WHICH_WAY.all(db)] == [True]
        await db.rollback()
        await own.release()
    async with create_sessionmaker(engine)() as db:
        assert [row.alone for row in await WHICH_WAY.all(db)] == [False]
        await db.rollback()


def _step(table: sa.Table) -> DriverStep:
    return DriverStep(
        sa.insert(table).values(n=sa.bindparam("n", type_=sa.Integer())).returning(table.c.n)
    )


@pytest.mark.committing
async def test_a_driver_step_writes_inside_the_sessions_transaction(
    engine: AsyncEngine, scratch_table: sa.Table
) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as db:  # the first statement: the session opens the transaction
        assert [row.n for row in await _step(scratch_table).all(db, n=4)] == [4]
        assert db.in_transaction()
        await db.rollback()
    async with sessions() as db:  # a later step goes to the driver, inside that transaction
        await db.execute(sa.text("SELECT 1"))
        assert [row.n for row in await _step(scratch_table).all(db, n=5)] == [5]
        await db.rollback()
    async with sessions.begin() as db:
        await db.execute(sa.text("SELECT 1"))
        await _step(scratch_table).all(db, n=6)
    assert await _numbers_in(engine, scratch_table) == [6]
