"""The rewards area's personal data: the streak and every points and XP entry.

The points and XP entries are kept on erasure: they are value records, needed for the books to
balance, and name the learner only by id. The streak (its days, its vacation pause, its
repair) and the daily cap counters are a record of the learner's habits: erased.
"""

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.ledger.models import Currency
from gamification.ledger.queries import history
from gamification.rewards.models import RewardDailyPoints, RewardStreak


async def export_rewards(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    streak = await db.scalars(sa.select(RewardStreak).where(col(RewardStreak.user_id) == user_id))
    return {
        "streak": [row.model_dump() for row in streak],
        "points": {
            currency.value: [
                asdict(entry)
                for entry in await history(
                    db, user_id, currency=currency, before_seq=None, limit=None
                )
            ]
            for currency in Currency
        },
    }


async def erase_rewards(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    for model in (RewardStreak, RewardDailyPoints):
        await db.execute(sa.delete(model).where(col(model.user_id) == user_id))
