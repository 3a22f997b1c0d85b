"""The daily voucher expiry: issued vouchers past their expiry become `expired`, in chunks.

Each chunk is its own short transaction that claims its rows with `FOR UPDATE SKIP LOCKED`,
so a consume in progress is never waited on (it is skipped, and decides itself), two runs on
two replicas never do the same rows, and an interrupted run is finished by the next one.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from gamification.vouchers.models import Voucher, VoucherStatus

CHUNK = 500


async def expire_chunk(db: AsyncSession, *, now: datetime, chunk: int = CHUNK) -> int:
    """Expire up to `chunk` overdue vouchers that no one else holds; return how many."""
    due = (
        sa.select(col(Voucher.id))
        .where(col(Voucher.status) == VoucherStatus.ISSUED, col(Voucher.expires_at) <= now)
        .order_by(col(Voucher.expires_at))
        .limit(chunk)
        .with_for_update(skip_locked=True, key_share=True)
        .scalar_subquery()
    )
    result = await db.execute(
        sa.update(Voucher)
        .where(col(Voucher.id).in_(due))
        .values(status=VoucherStatus.EXPIRED, expired_at=now)
        .returning(col(Voucher.id))
    )
    return len(result.all())


async def expire_overdue_vouchers(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, chunk: int = CHUNK
) -> int:
    expired = 0
    while True:
        async with sessionmaker.begin() as db:
            done = await expire_chunk(db, now=now, chunk=chunk)
        expired += done
        if done < chunk:
            return expired
