"""Quest templates (the pool, loaded from `seed/quests.yaml`) and completed quests."""

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from core.tables import utc_timestamp


class QuestTemplate(SQLModel, table=True):
    __tablename__ = "quest_template"
    __table_args__ = (
        sa.CheckConstraint("cadence IN ('daily', 'weekly', 'monthly')", name="cadence_known"),
        sa.CheckConstraint("target >= 1", name="target_positive"),
        sa.CheckConstraint("points >= 0 AND xp >= 0", name="amounts_not_negative"),
    )

    id: str = Field(primary_key=True, max_length=40)
    cadence: str = Field(max_length=10)
    kind: str = Field(max_length=40)  # the engagement counter it counts
    target: int
    points: int = Field(sa_type=sa.BigInteger)
    xp: int = Field(sa_type=sa.BigInteger)
    title: dict[str, Any] = Field(sa_type=JSONB)  # {"zh-CN": ..., "en": ...}
    months: list[int] | None = Field(default=None, sa_type=ARRAY(sa.SmallInteger))
    badge_id: str | None = Field(default=None, max_length=40)  # monthly challenges' badge
    enabled: bool = Field(default=True)
    updated_at: datetime = utc_timestamp()


class QuestCompletion(SQLModel, table=True):
    """One quest completed by one learner in one period (a day, a week, a month named by its
    first day): the row is the claim, inserted once, so the quest pays once."""

    __tablename__ = "quest_completion"

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="user_account.id")
    quest_id: str = Field(primary_key=True, max_length=40)
    period_start: date = Field(primary_key=True)
    points: int = Field(sa_type=sa.BigInteger)
    xp: int = Field(sa_type=sa.BigInteger)
    completed_at: datetime = utc_timestamp()
