"""rewards: the rule table, the daily points counters behind the caps, and streaks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 04:19:28.447012+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reward_rule",
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("xp", sa.BigInteger(), nullable=False),
        sa.Column("once_per_reference", sa.Boolean(), nullable=False),
        sa.Column("daily_cap", sa.BigInteger(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "daily_cap IS NULL OR daily_cap >= 0",
            name=op.f("ck_reward_rule_daily_cap_not_negative"),
        ),
        sa.CheckConstraint(
            "points >= 0 AND xp >= 0", name=op.f("ck_reward_rule_amounts_not_negative")
        ),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_reward_rule")),
    )
    op.create_table(
        "reward_daily_points",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("earned_on", sa.Date(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("last_granted", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "points >= 0 AND last_granted >= 0",
            name=op.f("ck_reward_daily_points_points_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_reward_daily_points_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "earned_on", "scope", name=op.f("pk_reward_daily_points")
        ),
    )
    op.create_table(
        "reward_streak",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("longest", sa.Integer(), nullable=False),
        sa.Column("freezes", sa.Integer(), nullable=False),
        sa.Column("last_active_on", sa.Date(), nullable=True),
        sa.Column("run_started_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "current >= 0 AND longest >= current", name=op.f("ck_reward_streak_lengths_in_order")
        ),
        sa.CheckConstraint(
            "freezes >= 0 AND freezes <= 2", name=op.f("ck_reward_streak_freezes_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_reward_streak_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_reward_streak")),
    )


def downgrade() -> None:
    op.drop_table("reward_streak")
    op.drop_table("reward_daily_points")
    op.drop_table("reward_rule")
