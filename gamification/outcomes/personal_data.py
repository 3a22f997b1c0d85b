"""The outcomes' personal data: a user's NPS answers and what their broker reported about them.

Erasure deletes those, the user's activity events (the log is append-only except for this) and
their owner references, so the broker's later deliveries for them find no one (404); the
account's broker-open date goes too.
"""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

_NPS = sa.text(
    "SELECT score, comment, answered_at FROM nps_response WHERE user_id = :user_id "
    "ORDER BY answered_at"
)
_BROKER = sa.text(
    "SELECT e.type, e.at, e.tier, e.received_at, p.name AS partner FROM partner_client_event e "
    "JOIN partner p ON p.id = e.partner_id WHERE e.user_id = :user_id ORDER BY e.at, e.event_id"
)
_ERASE = (
    sa.text("DELETE FROM activity_event WHERE user_id = :user_id"),
    sa.text("DELETE FROM nps_response WHERE user_id = :user_id"),
    sa.text("DELETE FROM partner_client_event WHERE user_id = :user_id"),
    sa.text("DELETE FROM partner_owner_ref WHERE user_id = :user_id"),
    sa.text("UPDATE user_account SET broker_account_opened_at = NULL WHERE id = :user_id"),
)


async def export_outcomes(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    params = {"user_id": user_id}
    return {
        "nps_answers": [dict(row) for row in (await db.execute(_NPS, params)).mappings()],
        "broker_events": [dict(row) for row in (await db.execute(_BROKER, params)).mappings()],
    }


async def erase_outcomes(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    for statement in _ERASE:
        await db.execute(statement, {"user_id": user_id})
