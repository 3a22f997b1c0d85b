"""Reward tables: the rule table, the daily points counters that enforce the caps, and streaks.

The points themselves live in the ledger; these tables only decide how many to post.
"""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.tables import utc_timestamp

# The scope of the counter row that holds a learner's points from every rule on one day.
ALL_RULES = "*"


class RewardRule(SQLModel, table=True):
    """What one kind of event earns. Loaded from `seed/rewards.yaml`; amounts are never taken
    from a client."""

    __tablename__ = "reward_rule"
    __table_args__ = (
        sa.CheckConstraint("points >= 0 AND xp >= 0", name="amounts_not_negative"),
        sa.CheckConstraint("daily_cap IS NULL OR daily_cap >= 0", name="daily_cap_not_negative"),
    )

    kind: str = Field(primary_key=True, max_length=40)  # lesson_completed, streak_7, ...
    points: int = Field(sa_type=sa.BigInteger)
    xp: int = Field(sa_type=sa.BigInteger)
    # True: one reward per learner and reference, ever (first quiz pass, a streak run, ...).
    once_per_reference: bool = Field(default=True)
    # At most this many points per learner per local day from this rule (None: only the
    # global daily cap applies). XP is never capped.
    daily_cap: int | None = Field(default=None, sa_type=sa.BigInteger)
    enabled: bool = Field(default=True)
    description: str = Field(default="", max_length=200)
    updated_at: datetime = utc_timestamp()


class RewardDailyPoints(SQLModel, table=True):
    """Points a learner earned on one local day, in all (`scope` '*') or from one rule.

    Raised by one conditional upsert that grants at most what is left under the cap, so
    concurrent awards can never together cross it (no count-then-insert).
    """

    __tablename__ = "reward_daily_points"
    __table_args__ = (
        sa.CheckConstraint("points >= 0 AND last_granted >= 0", name="points_not_negative"),
    )

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="user_account.id")
    earned_on: date = Field(primary_key=True)
    scope: str = Field(primary_key=True, max_length=40)  # '*' or a rule kind
    points: int = Field(default=0, sa_type=sa.BigInteger)
    # What the latest upsert granted: RETURNING can only see the new row, so the upsert
    # stores its own grant here to read it back in the same statement.
    last_granted: int = Field(default=0, sa_type=sa.BigInteger)


class RewardStreak(SQLModel, table=True):
    """A learner's streak of active days (their own time zone). Updated under a row lock."""

    __tablename__ = "reward_streak"
    __table_args__ = (
        sa.CheckConstraint("current >= 0 AND longest >= current", name="lengths_in_order"),
        sa.CheckConstraint("freezes >= 0 AND freezes <= 2", name="freezes_in_range"),
    )

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="user_account.id")
    current: int = Field(default=0)
    longest: int = Field(default=0)
    freezes: int = Field(default=0)
    last_active_on: date | None = Field(default=None)
    run_started_on: date | None = Field(default=None)  # first day of the current run
    # A vacation pause: its days neither break nor lengthen the streak.
    paused_from: date | None = Field(default=None)
    paused_until: date | None = Field(default=None)  # the last paused day
    repaired_on: date | None = Field(default=None)  # the latest repair (one a month)
    updated_at: datetime = utc_timestamp()
