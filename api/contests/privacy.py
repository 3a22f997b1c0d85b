"""The contests area's personal data: entries, positions, orders, fills and report cards.

On erasure the entries stay in the books (standings and prizes were computed from them) but
are anonymised, which also takes them off every public board, and the learner's name leaves
every generation of the standings (superseded ones too).
"""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.contests.entries import anonymise_entries
from gamification.contests.models import (
    ALL_FILLS,
    ContestEntry,
    ContestFill,
    ContestOrder,
    ContestPosition,
)
from gamification.contests.standings import forget_board_name
from gamification.contests.standings_models import ReportCard

CONTEST_TABLES: dict[str, Any] = {
    "entries": ContestEntry,
    "positions": ContestPosition,
    "orders": ContestOrder,
    "fills": ALL_FILLS,  # journalled and recorded on their orders alike (migration 0050)
    "report_cards": ReportCard,
}


async def export_contests(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    return {name: await _rows(db, model, user_id) for name, model in CONTEST_TABLES.items()}


async def _rows(db: AsyncSession, model: Any, user_id: uuid.UUID) -> list[dict[str, Any]]:
    if model is ALL_FILLS:
        fills = await db.execute(sa.select(ALL_FILLS).where(ALL_FILLS.c.user_id == user_id))
        return [ContestFill.model_validate(row._mapping).model_dump() for row in fills]
    rows = await db.scalars(sa.select(model).where(model.user_id == user_id))
    return [row.model_dump(exclude={"request_hash"}) for row in rows]


async def erase_contests(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await anonymise_entries(db, user_id=user_id, now=now)
    await forget_board_name(db, user_id)
