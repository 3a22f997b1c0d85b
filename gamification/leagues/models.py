"""League tiers, cohorts, the week's members, each learner's tier and the week's results.

Weeks are named by their Monday (`week_start`) in the business time zone. Places in a tier
are numbered by the sequence `league_place_{tier}` (migration 0024; at most MAX_TIERS tiers).
"""

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from core.tables import utc_timestamp


class LeagueTier(SQLModel, table=True):
    """One tier, by its position (0 the lowest). Loaded from `seed/leagues.yaml`."""

    __tablename__ = "league_tier"
    __table_args__ = (
        sa.CheckConstraint("promote >= 0 AND demote >= 0", name="zones_not_negative"),
    )

    position: int = Field(
        primary_key=True, sa_type=sa.SmallInteger, sa_column_kwargs={"autoincrement": False}
    )
    id: str = Field(max_length=40, unique=True)
    name: dict[str, Any] = Field(sa_type=JSONB)
    promote: int
    demote: int
    prizes: list[int] = Field(sa_type=ARRAY(sa.BigInteger))  # points by rank: 1st, 2nd, ...
    updated_at: datetime = utc_timestamp()


class LeagueWeek(SQLModel, table=True):
    """A closed week, claimed by the close's first statement: a second run, or a replica
    closing at once, finds the row (or waits for it) and leaves the week alone."""

    __tablename__ = "league_week"

    week_start: date = Field(primary_key=True)
    closed_at: datetime = utc_timestamp()
    members: int  # results written
    prizes: int  # leaders paid
    # The inbox renders this week's results from `league_result` (`campaign_inbox_entry`,
    # migration 0041). False: the close posted a message per member instead, as closes did
    # before 0041 (the default, so a replica still running that code marks its weeks so).
    results_in_inbox: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class LeagueMember(SQLModel, table=True):
    """A learner in the week's cohort with the XP earned this week; `reached_at` is when that
    XP was reached (ties go to who reached it first)."""

    __tablename__ = "league_member"
    __table_args__ = (sa.CheckConstraint("xp >= 0", name="xp_not_negative"),)

    week_start: date = Field(primary_key=True)
    user_id: uuid.UUID = Field(primary_key=True, foreign_key="user_account.id")
    cohort_id: uuid.UUID = Field(index=True)
    tier: int = Field(sa_type=sa.SmallInteger)
    xp: int = Field(sa_type=sa.BigInteger)
    reached_at: datetime = utc_timestamp()
    joined_at: datetime = utc_timestamp()


class LeaguePlayer(SQLModel, table=True):
    """A learner's tier for the weeks to come (absent: the lowest)."""

    __tablename__ = "league_player"

    # No foreign key: the week close writes these rows from `league_member`'s (migration 0037).
    user_id: uuid.UUID = Field(primary_key=True)
    tier: int = Field(sa_type=sa.SmallInteger)
    updated_at: datetime = utc_timestamp()


class LeagueResult(SQLModel, table=True):
    """How a learner's week ended: written once per week and learner by the week close."""

    __tablename__ = "league_result"
    __table_args__ = (
        sa.CheckConstraint("outcome IN ('promoted', 'stayed', 'demoted')", name="outcome_known"),
    )

    week_start: date = Field(primary_key=True)
    # No foreign key: written from `league_member`'s, a million at a time (migration 0037).
    # Indexed: the inbox reads a learner's results as messages, the erasure deletes them.
    user_id: uuid.UUID = Field(primary_key=True, index=True)
    cohort_id: uuid.UUID
    tier: int = Field(sa_type=sa.SmallInteger)
    rank: int
    xp: int = Field(sa_type=sa.BigInteger)
    outcome: str = Field(max_length=10)
    new_tier: int = Field(sa_type=sa.SmallInteger)
    prize_points: int = Field(sa_type=sa.BigInteger)
    closed_at: datetime = utc_timestamp()
    # When the learner read the week's result in the inbox (migration 0041).
    read_at: datetime | None = utc_timestamp(nullable=True)
