"""Outcome tables: the append-only activity event log the measures are computed from, the NPS
answers, and the broker's facts about its clients delivered through the partner API.

`activity_event` is range-partitioned by month on `occurred_at` (migration 0027 creates the
partitions and a DEFAULT one; `partitions.py` keeps months ahead). Its rows are written by
triggers on the tables they record, in the same transaction, never by the application.
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.tables import id_field, utc_timestamp

USER_FK = "user_account.id"

# Every kind an activity event may have; `detail` says, per kind, what it holds.
ACTIVITY_KINDS = (
    "signed_up",
    "lesson_opened",  # detail: lesson id (the first open: the row that starts the lesson clock)
    "lesson_completed",  # detail: lesson id
    "quiz_attempted",  # detail: 'passed' | 'failed'
    "voucher_redeemed",  # detail: product kind 'fee' | 'yield'
    "voucher_consumed",  # detail: 'fee' | 'yield' (used at the broker)
    "contest_joined",  # detail: contest id
    "order_placed",  # detail: contest id
    "post_published",
    "report_filed",
    "inbox_read",
    "nps_answered",  # detail: the score
    "broker_account_opened",
    "broker_first_trade",
    "broker_tier_changed",  # detail: the tier
)
_KIND_CHECK = "kind IN (" + ", ".join(f"'{kind}'" for kind in ACTIVITY_KINDS) + ")"

NPS_COMMENT_MAX = 1000
PARTNER_EVENT_TYPES = ("account_opened", "first_trade", "asset_tier_changed")
PARTNER_EVENT_ID_MAX = 128
TIER_MAX = 32


class ActivityEvent(SQLModel, table=True):
    """One thing a user did (or the broker reported), when it happened. Append-only: a trigger
    refuses UPDATE; DELETE is allowed, for erasing one user's rows with the account."""

    __tablename__ = "activity_event"
    __table_args__ = (
        sa.CheckConstraint(_KIND_CHECK, name="kind"),
        sa.Index("ix_activity_event_user_id_occurred_at", "user_id", "occurred_at"),
        sa.Index("ix_activity_event_kind_occurred_at", "kind", "occurred_at"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )

    occurred_at: datetime = Field(sa_type=sa.DateTime(timezone=True), primary_key=True)
    id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.BigInteger, sa.Identity(always=True), primary_key=True, autoincrement=True
        ),
    )
    user_id: uuid.UUID = Field(nullable=False)
    kind: str = Field(sa_type=sa.Text)
    detail: str | None = Field(default=None, sa_type=sa.Text)


class NpsResponse(SQLModel, table=True):
    """One answer to the in-app satisfaction survey; a user answers at most once per 90 days."""

    __tablename__ = "nps_response"
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 0 AND 10", name="score"),
        sa.CheckConstraint(
            f"comment IS NULL OR char_length(comment) <= {NPS_COMMENT_MAX}", name="comment_length"
        ),
        sa.Index("ix_nps_response_user_id_answered_at", "user_id", sa.text("answered_at DESC")),
    )

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key=USER_FK, ondelete="CASCADE")
    score: int = Field(sa_type=sa.SmallInteger)
    comment: str | None = Field(default=None, sa_type=sa.Text)
    answered_at: datetime = utc_timestamp()


class PartnerClientEvent(SQLModel, table=True):
    """A fact about a client the broker delivered (`POST /v1/partner/clients/{owner_ref}/events`),
    once per partner and event id: a repeated delivery finds this row and changes nothing."""

    __tablename__ = "partner_client_event"
    __table_args__ = (
        sa.UniqueConstraint("partner_id", "event_id"),
        sa.CheckConstraint(
            "type IN (" + ", ".join(f"'{t}'" for t in PARTNER_EVENT_TYPES) + ")", name="type"
        ),
        sa.CheckConstraint("type <> 'asset_tier_changed' OR tier IS NOT NULL", name="tier"),
    )

    id: uuid.UUID = id_field()
    partner_id: uuid.UUID = Field(foreign_key="partner.id")
    event_id: str = Field(max_length=PARTNER_EVENT_ID_MAX)
    user_id: uuid.UUID = Field(foreign_key=USER_FK, ondelete="CASCADE", index=True)
    type: str = Field(max_length=24)
    at: datetime = utc_timestamp()
    tier: str | None = Field(default=None, max_length=TIER_MAX)
    received_at: datetime = utc_timestamp()


__all__ = [
    "ACTIVITY_KINDS",
    "NPS_COMMENT_MAX",
    "PARTNER_EVENT_TYPES",
    "ActivityEvent",
    "NpsResponse",
    "PartnerClientEvent",
]
