"""The badge catalogue and the badges learners earned."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from core.tables import utc_timestamp


class Badge(SQLModel, table=True):
    __tablename__ = "badge"
    __table_args__ = (
        sa.CheckConstraint("tier IN ('bronze', 'silver', 'gold')", name="tier_known"),
        sa.CheckConstraint("target >= 1", name="target_positive"),
        sa.CheckConstraint("window_days IS NULL OR window_days >= 1", name="window_positive"),
    )

    id: str = Field(primary_key=True, max_length=40)
    name: dict[str, Any] = Field(sa_type=JSONB)  # {"zh-CN": ..., "en": ...}
    description: dict[str, Any] = Field(sa_type=JSONB)
    tier: str = Field(max_length=10)
    counter: str = Field(max_length=40)  # the engagement counter, or `monthly_challenge`
    target: int
    window_days: int | None = Field(default=None)  # counted over the last N local days
    position: int = Field(default=0)  # the catalogue's order
    enabled: bool = Field(default=True)
    updated_at: datetime = utc_timestamp()


class BadgeAward(SQLModel, table=True):
    __tablename__ = "badge_award"

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="user_account.id")
    badge_id: str = Field(primary_key=True, foreign_key="badge.id", max_length=40)
    earned_at: datetime = utc_timestamp()
