"""The outcomes rollup's tables (migration 0028): month-grained aggregates of the activity
events that the measures read, and the rollup's watermark. Derived data: no foreign keys, a
rebuild recomputes them from the events."""

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.tables import utc_timestamp


class OutcomeUserMonth(SQLModel, table=True):
    """A user active in a month: the kinds seen (bits of `kinds.KINDS`), events, interactions."""

    __tablename__ = "outcome_user_month"

    month: date = Field(primary_key=True)
    user_id: uuid.UUID = Field(primary_key=True)
    kinds: int
    events: int
    interactions: int


class OutcomeMonth(SQLModel, table=True):
    __tablename__ = "outcome_month"

    month: date = Field(primary_key=True)
    actives: int
    interactions: int = Field(sa_type=sa.BigInteger)
    lesson_users: int
    quiz_users: int
    contest_users: int
    community_users: int
    voucher_users: int


class OutcomeMonthEvent(SQLModel, table=True):
    """Events and distinct users per month, kind and category ('' for kinds without one)."""

    __tablename__ = "outcome_month_event"

    month: date = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=32)
    detail: str = Field(primary_key=True, max_length=32)
    events: int = Field(sa_type=sa.BigInteger)
    users: int


class OutcomeUserFirst(SQLModel, table=True):
    """When a user first reached each funnel step after signing up (business-zone day)."""

    __tablename__ = "outcome_user_first"

    user_id: uuid.UUID = Field(primary_key=True)
    signed_up_on: date
    first_lesson_at: datetime | None = utc_timestamp(nullable=True)
    first_quiz_passed_at: datetime | None = utc_timestamp(nullable=True)
    first_voucher_at: datetime | None = utc_timestamp(nullable=True)
    first_consumed_at: datetime | None = utc_timestamp(nullable=True)


class OutcomeFunnelDay(SQLModel, table=True):
    """Users who signed up that day and reached each step together with every step before it."""

    __tablename__ = "outcome_funnel_day"

    day: date = Field(primary_key=True)
    signed_up: int
    lesson: int
    quiz_passed: int
    voucher: int
    consumed: int


class OutcomeCohort(SQLModel, table=True):
    """Users whose client life started that month, and how many were active 1-3 months on."""

    __tablename__ = "outcome_cohort"

    month: date = Field(primary_key=True)
    size: int
    active_1: int
    active_2: int
    active_3: int


class OutcomeLearningEntry(SQLModel, table=True):
    """One contest entry's trading in one learning window (`measures_learning.py` says how):
    `before` or `after` its user completed the risk-and-diversification course, or `never`."""

    __tablename__ = "outcome_learning_entry"

    entry_id: uuid.UUID = Field(primary_key=True)
    grp: str = Field(primary_key=True, max_length=8)
    contest_starts_at: datetime = utc_timestamp(index=True)
    contest_ends_at: datetime = utc_timestamp()
    turnover: Decimal = Field(sa_type=sa.Numeric)
    drawdown_pct: Decimal = Field(sa_type=sa.Numeric)
    holdings: int
    largest_pct: Decimal | None = Field(default=None, sa_type=sa.Numeric)


class OutcomeRollupState(SQLModel, table=True):
    """The one watermark row: the events are rolled up until `covered_until`, with months cut
    in `zone`. Runs lock it, so two never interleave."""

    __tablename__ = "outcome_rollup_state"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(primary_key=True, sa_type=sa.SmallInteger)
    zone: str | None = Field(default=None, max_length=64)
    covered_until: datetime | None = utc_timestamp(nullable=True)
    rolled_at: datetime | None = utc_timestamp(nullable=True)


__all__ = [
    "OutcomeCohort",
    "OutcomeFunnelDay",
    "OutcomeLearningEntry",
    "OutcomeMonth",
    "OutcomeMonthEvent",
    "OutcomeRollupState",
    "OutcomeUserFirst",
    "OutcomeUserMonth",
]
