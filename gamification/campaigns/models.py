"""Campaign tables: the inbox (every domain posts to it), segments, campaigns, their runs and
deliveries, the multipliers a run grants, and the per-user daily message counters."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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
    # No foreign key: a league week posts a million at once (migration 0037).
    user_id: uuid.UUID
    reference: str = Field(max_length=200, unique=True)
    title: dict[str, Any] = Field(sa_type=JSONB)  # locale -> text
    body: dict[str, Any] = Field(sa_type=JSONB)  # locale -> text
    deep_link: str | None = Field(default=None, max_length=100)  # kind:id (links.py)
    created_at: datetime = utc_timestamp()
    held_until: datetime | None = utc_timestamp(nullable=True)
    read_at: datetime | None = utc_timestamp(nullable=True)


class Segment(SQLModel, table=True):
    """A named audience: a filter over users (filters.py), evaluated when a run starts."""

    __tablename__ = "campaign_segment"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=120)
    filter: dict[str, Any] = Field(sa_type=JSONB)
    created_by: uuid.UUID | None = Field(default=None, foreign_key=USER_FK)
    created_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()


CAMPAIGN_STATUSES = ("draft", "scheduled", "running", "paused", "completed", "cancelled")
RUN_STATUSES = ("pending", "running", "completed", "failed", "cancelled")
DELIVERY_STATUSES = ("pending", "delivered", "skipped", "failed")


class Campaign(SQLModel, table=True):
    """An action for a segment on a schedule. `points_spent` is the budget's counter: raised
    under the row's lock by the chunk that spends, and never above `budget_points` (CHECK).
    `next_run_at` is the next occurrence the tick claims (None: none, or trigger-driven)."""

    __tablename__ = "campaign"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('draft','scheduled','running','paused','completed','cancelled')",
            name="status",
        ),
        sa.CheckConstraint(
            "action_type IN ('grant_points','points_multiplier','voucher_drop','message')",
            name="action_type",
        ),
        sa.CheckConstraint(
            "points_spent >= 0 AND (budget_points IS NULL OR points_spent <= budget_points)",
            name="budget_never_exceeded",
        ),
        sa.CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="window"),
        sa.Index("ix_campaign_status_next_run_at", "status", "next_run_at"),
    )

    id: uuid.UUID = id_field()
    name: str = Field(max_length=120)
    segment_id: uuid.UUID = Field(foreign_key="campaign_segment.id")
    action_type: str = Field(max_length=24)
    action: dict[str, Any] = Field(sa_type=JSONB)
    schedule_at: datetime | None = utc_timestamp(nullable=True)
    cron: str | None = Field(default=None, max_length=120)
    timezone: str = Field(max_length=64)
    skip_closed_days: bool = False
    trigger: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    starts_at: datetime = utc_timestamp()
    ends_at: datetime | None = utc_timestamp(nullable=True)
    budget_points: int | None = Field(default=None, sa_type=sa.BigInteger)
    points_spent: int = Field(default=0, sa_type=sa.BigInteger)
    quiet_hours: bool = True
    status: str = Field(max_length=16)
    next_run_at: datetime | None = utc_timestamp(nullable=True)
    created_by: uuid.UUID | None = Field(default=None, foreign_key=USER_FK)
    created_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()


class CampaignRun(SQLModel, table=True):
    """One occurrence of a campaign, claimed once by the unique (campaign, scheduled_for).
    Its counters are raised by each delivered chunk."""

    __tablename__ = "campaign_run"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "scheduled_for"),
        sa.CheckConstraint(
            "status IN ('pending','running','completed','failed','cancelled')", name="status"
        ),
        sa.Index(
            "ix_campaign_run_unfinished",
            "campaign_id",
            postgresql_where=sa.text("status IN ('pending', 'running')"),
        ),
    )

    id: uuid.UUID = id_field()
    campaign_id: uuid.UUID = Field(foreign_key="campaign.id")
    scheduled_for: datetime = utc_timestamp()
    status: str = Field(max_length=16)
    targeted: int = 0
    delivered: int = 0
    skipped: int = 0
    failed: int = 0
    points_spent: int = Field(default=0, sa_type=sa.BigInteger)
    errors: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(JSONB, nullable=False)
    )
    started_at: datetime = utc_timestamp()
    finished_at: datetime | None = utc_timestamp(nullable=True)


class CampaignDelivery(SQLModel, table=True):
    """What a run did for one user: unique per (run, user), so no user is served twice."""

    __tablename__ = "campaign_delivery"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending','delivered','skipped','failed')", name="status"),
        sa.Index(
            "ix_campaign_delivery_pending",
            "run_id",
            "user_id",
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_campaign_delivery_user_id", "user_id"),
    )

    run_id: uuid.UUID = Field(foreign_key="campaign_run.id", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key=USER_FK, primary_key=True)
    status: str = Field(default="pending", max_length=16)
    reason: str | None = Field(default=None, max_length=40)
    delivered_at: datetime | None = utc_timestamp(nullable=True)


class CampaignMultiplier(SQLModel, table=True):
    """A points multiplier a run granted a user: the rewards engine scales the points of
    `rules` by `factor` between `starts_at` and `ends_at` (the daily caps still apply)."""

    __tablename__ = "campaign_multiplier"
    __table_args__ = (
        sa.CheckConstraint("factor > 1 AND factor <= 3", name="factor_over_1_at_most_3"),
        sa.Index("ix_campaign_multiplier_user_id_ends_at", "user_id", "ends_at"),
    )

    campaign_id: uuid.UUID = Field(foreign_key="campaign.id", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key=USER_FK, primary_key=True)
    factor: Decimal = Field(sa_type=sa.Numeric(4, 2))
    rules: list[str] = Field(sa_column=sa.Column(ARRAY(sa.String(40)), nullable=False))
    starts_at: datetime = utc_timestamp()
    ends_at: datetime = utc_timestamp()


class MessageDay(SQLModel, table=True):
    """Campaign messages a user got on one local day: the frequency cap's counter, raised by a
    conditional upsert (never count-then-insert)."""

    __tablename__ = "campaign_message_day"
    __table_args__ = (sa.CheckConstraint("sent >= 1", name="sent_positive"),)

    user_id: uuid.UUID = Field(foreign_key=USER_FK, primary_key=True)
    day: date = Field(primary_key=True)
    sent: int
