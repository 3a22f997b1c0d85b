"""The standings' tables: daily equity snapshots, the refreshed standings (one generation of
ranks per contest at a time), each contest's standings state (as_of, frozen, finalised) and
the report cards written at finalisation.

Reading "my rank" is a primary-key lookup and "the five around me" a range on
(generation, rank): neither ever counts entries.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from core.tables import utc_timestamp

MONEY = sa.Numeric(16, 2)
PERCENT = sa.Numeric(12, 2)
SCORE = sa.Numeric(16, 4)
CONTEST_FK = "contest.id"
ENTRY_FK = "contest_entry.id"
USER_FK = "user_account.id"


class EquitySnapshot(SQLModel, table=True):
    """An entry's equity at the close of one trading day (the job at market close)."""

    __tablename__ = "contest_equity_snapshot"
    __table_args__ = (
        sa.CheckConstraint("equity >= 0", name="equity_not_negative"),
        sa.Index("ix_contest_equity_snapshot_contest_id_day", "contest_id", "trading_day"),
    )

    entry_id: uuid.UUID = Field(foreign_key=ENTRY_FK, primary_key=True)
    trading_day: date = Field(primary_key=True)
    contest_id: uuid.UUID
    equity: Decimal = Field(sa_type=MONEY)
    taken_at: datetime = utc_timestamp()


class Standing(SQLModel, table=True):
    """One entry's place in one generation of a contest's standings.

    Partitioned by generation (numbered by one sequence for every contest): a refresh builds
    the next generation as a table of its own in the `contest_generations` schema, indexes it
    and attaches it as a partition, then the superseded generation's table is dropped whole,
    so no refresh ever deletes rows or updates an index row by row. The running peak and max
    drawdown carry over from generation to generation.

    Derived from the entries and rebuilt every refresh, so it has no foreign keys: a million
    rows would mean a million key checks per refresh (entries are never deleted, only
    anonymised, and anonymised entries leave the standings at the next refresh)."""

    __tablename__ = "contest_standing"
    __table_args__ = (
        sa.UniqueConstraint("generation", "rank"),
        sa.CheckConstraint("rank >= 1", name="rank_positive"),
        sa.CheckConstraint("max_drawdown_pct >= 0", name="drawdown_not_negative"),
        {"postgresql_partition_by": "LIST (generation)"},
    )

    generation: int = Field(sa_type=sa.BigInteger, primary_key=True)
    user_id: uuid.UUID = Field(primary_key=True)  # one entry per learner and contest
    entry_id: uuid.UUID
    contest_id: uuid.UUID
    rank: int
    equity: Decimal = Field(sa_type=MONEY)
    return_pct: Decimal = Field(sa_type=PERCENT)
    score: Decimal = Field(sa_type=SCORE)
    peak_equity: Decimal = Field(sa_type=MONEY)
    max_drawdown_pct: Decimal = Field(sa_type=PERCENT)
    joined_at: datetime = utc_timestamp()
    # The learner's name and public-boards choice, so a board reads no account rows. Carried
    # from generation to generation, read from the account only for a new entrant; kept true by
    # the `contest_board_name_changed` trigger on `user_account` (migration 0044).
    display_name: str | None = Field(default=None, max_length=64)
    public_boards: bool


class BoardChange(SQLModel, table=True):
    """A change of a learner's board name or public-boards choice (written by the trigger on
    `user_account`, with the writing transaction's id): a refresh whose snapshot predates the
    change re-applies it to the generation it publishes. Rows older than any refresh can be
    are deleted."""

    __tablename__ = "contest_board_change"

    xact_id: int = Field(sa_type=sa.BigInteger, primary_key=True)
    user_id: uuid.UUID = Field(primary_key=True)
    changed_at: datetime = utc_timestamp()


class StandingsState(SQLModel, table=True):
    """Which generation of a contest's standings is current (its partition of
    `contest_standing`; 0 before the first refresh) and as of when; `frozen_at` once the final
    standings are frozen (refreshes leave it alone), `finalised_at` once every entry's report
    card and prize are written."""

    __tablename__ = "contest_standings_state"

    contest_id: uuid.UUID = Field(foreign_key=CONTEST_FK, primary_key=True)
    generation: int = Field(sa_type=sa.BigInteger)
    as_of: datetime = utc_timestamp()
    entrants: int
    frozen_at: datetime | None = utc_timestamp(nullable=True)
    finalised_at: datetime | None = utc_timestamp(nullable=True)


class ReportCard(SQLModel, table=True):
    """An entrant's figures at the end of a contest and the lessons its mistakes point to."""

    __tablename__ = "contest_report_card"
    __table_args__ = (
        sa.Index("ix_contest_report_card_contest_id_final_rank", "contest_id", "final_rank"),
    )

    entry_id: uuid.UUID = Field(foreign_key=ENTRY_FK, primary_key=True)
    contest_id: uuid.UUID = Field(foreign_key=CONTEST_FK)
    user_id: uuid.UUID = Field(foreign_key=USER_FK, index=True)
    final_rank: int
    qualified: bool
    return_pct: Decimal = Field(sa_type=PERCENT)
    max_drawdown_pct: Decimal = Field(sa_type=PERCENT)
    volatility_pct: Decimal = Field(sa_type=PERCENT)
    sharpe: Decimal | None = Field(default=None, sa_type=PERCENT)
    holdings: int
    largest_position_pct: Decimal = Field(sa_type=PERCENT)
    turnover: Decimal = Field(sa_type=PERCENT)
    trades: int
    fees_paid: Decimal = Field(sa_type=MONEY)
    prize_points: int = Field(default=0, sa_type=sa.BigInteger)
    lessons: list[dict[str, Any]] = Field(sa_type=JSONB)  # [{course_slug, lesson_slug, why}]
    created_at: datetime = utc_timestamp()
    opened_at: datetime | None = utc_timestamp(nullable=True)


__all__ = ["BoardChange", "EquitySnapshot", "ReportCard", "Standing", "StandingsState"]
