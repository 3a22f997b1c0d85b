"""Monthly partitions of `activity_event`, created ahead of need.

Migration 0027 made them through 24 months after the upgrade; the daily job calls
`activity_event_add_partitions` (same migration) so that horizon keeps moving. The DEFAULT
partition catches any row that still finds no month; adding that month moves such rows in.
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

MONTHS_AHEAD = 24


def horizon(today: date, months: int = MONTHS_AHEAD) -> date:
    """The first day of the month `months` after `today`'s."""
    index = today.year * 12 + today.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


async def add_partitions(db: AsyncSession, *, today: date) -> int:
    """Create the missing months through the horizon; return how many were created."""
    added = await db.scalar(
        sa.text("SELECT activity_event_add_partitions(:through)"), {"through": horizon(today)}
    )
    return int(added or 0)
