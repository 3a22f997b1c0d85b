"""engagement: the counters events keep, quest templates and completions, the badge catalogue
and awards, league tiers, cohorts, members, players' tiers and week results, and a place
sequence per tier position (league_place_0 ... _19: cohorts fill without locks); streak pauses
and repairs

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 04:11:48.820859+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


MAX_TIERS = 20  # gamification/leagues/tiers.py: one place sequence per tier position


def upgrade() -> None:
    for position in range(MAX_TIERS):
        op.execute(f"CREATE SEQUENCE league_place_{position} AS bigint")
    op.create_table(
        "badge",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("description", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("tier", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("counter", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "tier IN ('bronze', 'silver', 'gold')", name=op.f("ck_badge_tier_known")
        ),
        sa.CheckConstraint("target >= 1", name=op.f("ck_badge_target_positive")),
        sa.CheckConstraint(
            "window_days IS NULL OR window_days >= 1", name=op.f("ck_badge_window_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge")),
    )
    op.create_table(
        "league_cohort",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_league_cohort")),
    )
    op.create_index(
        "ix_league_cohort_open", "league_cohort", ["week_start", "closed_at"], unique=False
    )
    op.create_table(
        "league_tier",
        sa.Column("position", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("promote", sa.Integer(), nullable=False),
        sa.Column("demote", sa.Integer(), nullable=False),
        sa.Column("prizes", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "promote >= 0 AND demote >= 0", name=op.f("ck_league_tier_zones_not_negative")
        ),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_league_tier")),
        sa.UniqueConstraint("id", name=op.f("uq_league_tier_id")),
    )
    op.create_table(
        "quest_template",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("cadence", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("xp", sa.BigInteger(), nullable=False),
        sa.Column("title", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("months", postgresql.ARRAY(sa.SmallInteger()), nullable=True),
        sa.Column("badge_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cadence IN ('daily', 'weekly', 'monthly')",
            name=op.f("ck_quest_template_cadence_known"),
        ),
        sa.CheckConstraint(
            "points >= 0 AND xp >= 0", name=op.f("ck_quest_template_amounts_not_negative")
        ),
        sa.CheckConstraint("target >= 1", name=op.f("ck_quest_template_target_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quest_template")),
    )
    op.create_table(
        "badge_award",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("badge_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["badge_id"], ["badge.id"], name=op.f("fk_badge_award_badge_id_badge")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_badge_award_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("user_id", "badge_id", name=op.f("pk_badge_award")),
    )
    op.create_table(
        "engagement_counter",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("value >= 0", name=op.f("ck_engagement_counter_value_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_engagement_counter_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_engagement_counter")),
    )
    op.create_table(
        "engagement_day_count",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_engagement_day_count_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_engagement_day_count_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", "day", name=op.f("pk_engagement_day_count")),
    )
    op.create_table(
        "engagement_event_seen",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_engagement_event_seen_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "kind", "reference", name=op.f("pk_engagement_event_seen")
        ),
    )
    op.create_table(
        "league_member",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("xp", sa.BigInteger(), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("xp >= 0", name=op.f("ck_league_member_xp_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_league_member_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("week_start", "user_id", name=op.f("pk_league_member")),
    )
    op.create_index(
        op.f("ix_league_member_cohort_id"), "league_member", ["cohort_id"], unique=False
    )
    op.create_table(
        "league_player",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_league_player_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_league_player")),
    )
    op.create_table(
        "league_result",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("xp", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("new_tier", sa.SmallInteger(), nullable=False),
        sa.Column("prize_points", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('promoted', 'stayed', 'demoted')",
            name=op.f("ck_league_result_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_league_result_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("week_start", "user_id", name=op.f("pk_league_result")),
    )
    op.create_index(
        op.f("ix_league_result_cohort_id"), "league_result", ["cohort_id"], unique=False
    )
    op.create_table(
        "quest_completion",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("quest_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("xp", sa.BigInteger(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_quest_completion_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "quest_id", "period_start", name=op.f("pk_quest_completion")
        ),
    )
    op.add_column("reward_streak", sa.Column("paused_from", sa.Date(), nullable=True))
    op.add_column("reward_streak", sa.Column("paused_until", sa.Date(), nullable=True))
    op.add_column("reward_streak", sa.Column("repaired_on", sa.Date(), nullable=True))


def downgrade() -> None:
    for position in range(MAX_TIERS):
        op.execute(f"DROP SEQUENCE league_place_{position}")
    op.drop_column("reward_streak", "repaired_on")
    op.drop_column("reward_streak", "paused_until")
    op.drop_column("reward_streak", "paused_from")
    op.drop_table("quest_completion")
    op.drop_index(op.f("ix_league_result_cohort_id"), table_name="league_result")
    op.drop_table("league_result")
    op.drop_table("league_player")
    op.drop_index(op.f("ix_league_member_cohort_id"), table_name="league_member")
    op.drop_table("league_member")
    op.drop_table("engagement_event_seen")
    op.drop_table("engagement_day_count")
    op.drop_table("engagement_counter")
    op.drop_table("badge_award")
    op.drop_table("quest_template")
    op.drop_table("league_tier")
    op.drop_index("ix_league_cohort_open", table_name="league_cohort")
    op.drop_table("league_cohort")
    op.drop_table("badge")
