"""The counters the events keep: per learner, per kind, per local day and in all time.

Quests read the day counts (a day, a week or a month of them); badges read the lifetime
counters, or the day counts of a recent window. Every write is one upsert that adds to the row
under its lock, so concurrent events never lose a count.
"""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.tables import utc_timestamp


class EngagementDayCount(SQLModel, table=True):
    """How many events of one kind a learner had on one day of their own calendar."""

    __tablename__ = "engagement_day_count"
    __table_args__ = (sa.CheckConstraint("count >= 0", name="count_not_negative"),)

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="user_account.id")
    kind: str = Field(primary_key=True, max_length=40)
    day: date = Field(primary_key=True)
    count: int = Field(default=0)


class EngagementCounter(SQLModel, table=True):
    """A learner's lifetime total of one kind (or, for `longest_streak`, the largest value)."""

    __tablename__ = "engagement_counter"
    __table_args__ = (sa.CheckConstraint("value >= 0", name="value_not_negative"),)

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="user_account.id")
    kind: str = Field(primary_key=True, max_length=40)
    value: int = Field(default=0, sa_type=sa.BigInteger)


class EngagementEventSeen(SQLModel, table=True):
    """Events reported outside the rewards path (a post read, a practice order), each counted
    once per learner, kind and reference however often it is reported."""

    __tablename__ = "engagement_event_seen"

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="user_account.id")
    kind: str = Field(primary_key=True, max_length=40)
    reference: str = Field(primary_key=True, max_length=200)
    seen_at: datetime = utc_timestamp()


class EngagementOutbox(SQLModel, table=True):
    """A voucher redeemed or a practice order, written with the value it moved and counted
    after its commit by `engagement_drain` (migration 0051), with what `engagement_report`
    would have been given then: the learner's day, the business day, the moment and the
    payout knobs."""

    __tablename__ = "engagement_outbox"

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="user_account.id")
    kind: str = Field(primary_key=True, max_length=40)
    reference: str = Field(primary_key=True, max_length=200)
    day: date
    cap_day: date
    occurred_at: datetime = utc_timestamp()
    daily_cap: int = Field(sa_type=sa.BigInteger)
    lot_days: int
    daily_quests: int
    highest_tier: int
    cohort_size: int
