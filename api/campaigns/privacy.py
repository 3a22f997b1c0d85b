"""The marketing area's personal data: the learner's inbox messages and what campaigns
delivered to them. Erasure deletes the messages (their text may name the learner); the
delivery records name the learner only by id and stay, as the run's accounts."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.personal_data import rows_of
from gamification.campaigns.inbox import erase_messages, user_messages


async def export_campaigns(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    messages = await user_messages(db, user_id)
    return {
        "inbox": rows_of(
            messages, "id", "title", "body", "deep_link", "created_at", "held_until", "read_at"
        ),
    }


async def erase_campaigns(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await erase_messages(db, user_id)
