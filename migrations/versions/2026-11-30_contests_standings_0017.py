"""contests standings: daily equity snapshots, the refreshed standings (generations of ranks,
unique per contest and generation), each contest's standings state, the report cards; and the
learners' `public_boards` choice (false: "anonymous" on leaderboards)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 02:14:00.788496+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=16, scale=2)
PERCENT = sa.Numeric(precision=12, scale=2)


def upgrade() -> None:
    op.add_column(
        "user_account",
        sa.Column("public_boards", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    )
    _standings_state()
    _equity_snapshot()
    _standing()
    _report_card()


def _standings_state() -> None:
    op.create_table(
        "contest_standings_state",
        sa.Column("contest_id", sa.Uuid(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entrants", sa.Integer(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contest.id"],
            name=op.f("fk_contest_standings_state_contest_id_contest"),
        ),
        sa.PrimaryKeyConstraint("contest_id", name=op.f("pk_contest_standings_state")),
    )


def _equity_snapshot() -> None:
    op.create_table(
        "contest_equity_snapshot",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("trading_day", sa.Date(), nullable=False),
        sa.Column("contest_id", sa.Uuid(), nullable=False),
        sa.Column("equity", MONEY, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "equity >= 0", name=op.f("ck_contest_equity_snapshot_equity_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["contest_entry.id"],
            name=op.f("fk_contest_equity_snapshot_entry_id_contest_entry"),
        ),
        sa.PrimaryKeyConstraint("entry_id", "trading_day", name=op.f("pk_contest_equity_snapshot")),
    )
    op.create_index(
        "ix_contest_equity_snapshot_contest_id_day",
        "contest_equity_snapshot",
        ["contest_id", "trading_day"],
    )


def _standing() -> None:
    op.create_table(
        "contest_standing",
        sa.Column("contest_id", sa.Uuid(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("equity", MONEY, nullable=False),
        sa.Column("return_pct", PERCENT, nullable=False),
        sa.Column("score", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("peak_equity", MONEY, nullable=False),
        sa.Column("max_drawdown_pct", PERCENT, nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "max_drawdown_pct >= 0", name=op.f("ck_contest_standing_drawdown_not_negative")
        ),
        sa.CheckConstraint("rank >= 1", name=op.f("ck_contest_standing_rank_positive")),
        sa.PrimaryKeyConstraint(
            "contest_id", "generation", "entry_id", name=op.f("pk_contest_standing")
        ),
        sa.UniqueConstraint(
            "contest_id",
            "generation",
            "rank",
            name=op.f("uq_contest_standing_contest_id_generation_rank"),
        ),
    )


def _report_card() -> None:
    op.create_table(
        "contest_report_card",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("contest_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("final_rank", sa.Integer(), nullable=False),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.Column("return_pct", PERCENT, nullable=False),
        sa.Column("max_drawdown_pct", PERCENT, nullable=False),
        sa.Column("volatility_pct", PERCENT, nullable=False),
        sa.Column("sharpe", PERCENT, nullable=True),
        sa.Column("holdings", sa.Integer(), nullable=False),
        sa.Column("largest_position_pct", PERCENT, nullable=False),
        sa.Column("turnover", PERCENT, nullable=False),
        sa.Column("trades", sa.Integer(), nullable=False),
        sa.Column("fees_paid", MONEY, nullable=False),
        sa.Column("prize_points", sa.BigInteger(), nullable=False),
        sa.Column("lessons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contest.id"], name=op.f("fk_contest_report_card_contest_id_contest")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["contest_entry.id"],
            name=op.f("fk_contest_report_card_entry_id_contest_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_contest_report_card_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_contest_report_card")),
    )
    op.create_index(
        "ix_contest_report_card_contest_id_final_rank",
        "contest_report_card",
        ["contest_id", "final_rank"],
    )
    op.create_index(
        op.f("ix_contest_report_card_user_id"), "contest_report_card", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("contest_report_card")
    op.drop_table("contest_standing")
    op.drop_table("contest_equity_snapshot")
    op.drop_table("contest_standings_state")
    op.drop_column("user_account", "public_boards")
