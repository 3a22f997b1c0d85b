"""Campaign tables: the inbox (every domain posts to it), segments, campaigns, their runs and
deliveries, the multipliers a run grants, and the per-user daily message counters."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from core.tables import id_field, utc_timestamp

USER_FK = "user_account.id"


class InboxMessage(SQLModel, table=True):
    """One message in a learner's inbox, in each locale it was written in. `reference` names
    what it is about and makes posting idempotent; a message held by quiet hours stays out of
    the inbox until `held_until`."""

    __tablename__ = "campaign_inbox_message"
    __table_args__ = (
        sa.Index("ix_campaign_inbox_message_user_id_created_at_id", "user_id", "created_at", "id"),
        sa.Index(
            "ix_campaign_inbox_message_unread",
            "user_id",
            postgresql_where=sa.text("read_at IS NULL"),
        ),
    )

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key=USER_FK)
    reference: str = Field(max_length=200, unique=True)
    title: dict[str, Any] = Field(sa_type=JSONB)  # locale -> text
    body: dict[str, Any] = Field(sa_type=JSONB)  # locale -> text
    deep_link: str | None = Field(default=None, max_length=100)  # kind:id (links.py)
    created_at: datetime = utc_timestamp()
    held_until: datetime | None = utc_timestamp(nullable=True)
    read_at: datetime | None = utc_timestamp(nullable=True)
