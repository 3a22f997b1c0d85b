"""The vouchers area's personal data: the learner's vouchers.

Kept on erasure: a voucher is a value record (paid in points, perhaps consumed at a partner)
and names its owner only by id.
"""

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.vouchers.models import Voucher


async def export_vouchers(db: AsyncSession, user_id: uuid.UUID) -> list[dict[str, Any]]:
    vouchers = await db.scalars(
        sa.select(Voucher).where(col(Voucher.user_id) == user_id).order_by(col(Voucher.issued_at))
    )
    return [row.model_dump() for row in vouchers]
