"""Daily equity snapshots: at the market close, each entry's equity (cash plus positions at the
last price) is written once per trading day, one INSERT ... SELECT per contest. Running the job
again the same day writes the same rows again (the latest wins), never a second row."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.contests.standings import EQUITY_SQL

_SNAPSHOT = sa.text(
    f"""
    INSERT INTO contest_equity_snapshot (entry_id, trading_day, contest_id, equity, taken_at)
    SELECT id, :day, :contest_id, equity, :now FROM ({EQUITY_SQL}) valued
    ON CONFLICT (entry_id, trading_day)
    DO UPDATE SET equity = excluded.equity, taken_at = excluded.taken_at
    """  # noqa: S608 - EQUITY_SQL is a constant; every value is a bound parameter
)
# Contests that ran at some time during the trading day (including those that ended in it).
_RAN_DURING = sa.text(
    "SELECT id FROM contest WHERE starts_at <= :until AND ends_at > :since ORDER BY id"
)


async def contests_running_between(
    db: AsyncSession, *, since: datetime, until: datetime
) -> list[uuid.UUID]:
    return list((await db.scalars(_RAN_DURING, {"since": since, "until": until})).all())


async def snapshot_equity(
    db: AsyncSession, contest_id: uuid.UUID, *, day: date, now: datetime
) -> int:
    """Write the contest's equity snapshot for trading day `day`; how many entries."""
    result = await db.execute(_SNAPSHOT, {"contest_id": contest_id, "day": day, "now": now})
    return int(result.rowcount)  # type: ignore[attr-defined]
