"""Reads sent straight to the driver (`core.driver_reads`): the statement's own literals and the
caller's parameters, rows by attribute, the session's transaction, and a stalled database as
`DatabaseUnavailable` with the connection replaced."""

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.database import create_engine, create_sessionmaker
from api.settings import Settings
from core.driver_reads import DriverRead
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
