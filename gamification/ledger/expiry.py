"""The daily points expiry: every overdue lot, each in its own short transaction."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from gamification.ledger.models import PointsLot
from gamification.ledger.operations import expire_lot

CHUNK = 500


async def expire_overdue_points(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime
) -> tuple[int, int]:
    """Expire all lots past their expiry; return (lots, points). A lot is expired exactly once:
    its remaining drops to zero under the account lock, and its key `expire:{lot}` is unique.
    An interrupted run is finished by the next one."""
    lots = points = 0
    after = uuid.UUID(int=0)
    while True:
        async with sessionmaker() as db:
            batch = (
                await db.scalars(
                    sa.select(col(PointsLot.id))
                    .where(
                        col(PointsLot.remaining) > 0,
                        col(PointsLot.expires_at) <= now,
                        col(PointsLot.id) > after,
                    )
                    .order_by(col(PointsLot.id))
                    .limit(CHUNK)
                )
            ).all()
        if not batch:
            return lots, points
        for lot_id in batch:
            async with sessionmaker.begin() as db:
                expired = await expire_lot(db, lot_id, now=now)
            lots, points = lots + (expired > 0), points + expired
        after = batch[-1]
