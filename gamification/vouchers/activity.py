"""A product's vouchers day by day: how many were issued (redeemed) and used at the broker."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

# One statement: the days of the window, each with its counts (zero on a quiet day).
_DAILY = sa.text(
    """
    WITH days AS (
        SELECT generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day')::date
            AS day
    ),
    issued AS (
        SELECT (issued_at AT TIME ZONE :zone)::date AS day, count(*) AS n
        FROM voucher WHERE product_id = :product_id AND issued_at >= :since
        GROUP BY 1
    ),
    used AS (
        SELECT (consumed_at AT TIME ZONE :zone)::date AS day, count(*) AS n
        FROM voucher WHERE product_id = :product_id AND consumed_at >= :since
        GROUP BY 1
    )
    SELECT days.day, coalesce(issued.n, 0) AS issued, coalesce(used.n, 0) AS consumed
    FROM days LEFT JOIN issued USING (day) LEFT JOIN used USING (day)
    ORDER BY days.day
    """
)


@dataclass(frozen=True)
class VoucherDay:
    day: date
    issued: int
    consumed: int


async def daily_activity(
    db: AsyncSession, product_id: uuid.UUID, *, days: int, now: datetime, zone: str
) -> list[VoucherDay]:
    """The last `days` days (in `zone`, today included) of one product, oldest first."""
    last = now.astimezone(ZoneInfo(zone)).date()
    first = last - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), ZoneInfo(zone))
    rows = await db.execute(
        _DAILY,
        {"first": first, "last": last, "since": since, "zone": zone, "product_id": product_id},
    )
    return [VoucherDay(row.day, row.issued, row.consumed) for row in rows]
