"""campaigns: segments, campaigns (budget counter under a CHECK), runs unique per campaign and
occurrence, deliveries unique per run and user, the multipliers runs grant, the per-user daily
message counters of the frequency cap; vouchers a campaign grants (no points debit: a unique
grant reference instead, one of the two always set)

Revision ID: 0022_1
Revises: 0022
Create Date: 2026-11-30 04:31:21.233103+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022_1"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_message_day",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.CheckConstraint("sent >= 1", name=op.f("ck_campaign_message_day_sent_positive")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_campaign_message_day_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_campaign_message_day")),
    )
    op.create_table(
        "campaign_segment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("filter", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_campaign_segment_created_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_segment")),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("segment_id", sa.Uuid(), nullable=False),
        sa.Column("action_type", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("action", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("schedule_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cron", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("skip_closed_days", sa.Boolean(), nullable=False),
        sa.Column("trigger", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("budget_points", sa.BigInteger(), nullable=True),
        sa.Column("points_spent", sa.BigInteger(), nullable=False),
        sa.Column("quiet_hours", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action_type IN ('grant_points','points_multiplier','voucher_drop','message')",
            name=op.f("ck_campaign_action_type"),
        ),
        sa.CheckConstraint(
            "status IN ('draft','scheduled','running','paused','completed','cancelled')",
            name=op.f("ck_campaign_status"),
        ),
        sa.CheckConstraint(
            "ends_at IS NULL OR ends_at > starts_at", name=op.f("ck_campaign_window")
        ),
        sa.CheckConstraint(
            "points_spent >= 0 AND (budget_points IS NULL OR points_spent <= budget_points)",
            name=op.f("ck_campaign_budget_never_exceeded"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_campaign_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["campaign_segment.id"],
            name=op.f("fk_campaign_segment_id_campaign_segment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_index(
        "ix_campaign_status_next_run_at", "campaign", ["status", "next_run_at"], unique=False
    )
    op.create_table(
        "campaign_multiplier",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("factor", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("rules", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "factor > 0 AND factor <= 3", name=op.f("ck_campaign_multiplier_factor_at_most_3")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_campaign_multiplier_campaign_id_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_campaign_multiplier_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", "user_id", name=op.f("pk_campaign_multiplier")),
    )
    op.create_index(
        "ix_campaign_multiplier_user_id_ends_at",
        "campaign_multiplier",
        ["user_id", "ends_at"],
        unique=False,
    )
    op.create_table(
        "campaign_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("targeted", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("points_spent", sa.BigInteger(), nullable=False),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending','running','completed','failed','cancelled')",
            name=op.f("ck_campaign_run_status"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_campaign_run_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_run")),
        sa.UniqueConstraint(
            "campaign_id", "scheduled_for", name=op.f("uq_campaign_run_campaign_id_scheduled_for")
        ),
    )
    op.create_index(
        "ix_campaign_run_unfinished",
        "campaign_run",
        ["campaign_id"],
        unique=False,
        postgresql_where=sa.text("status IN ('pending', 'running')"),
    )
    op.create_table(
        "campaign_delivery",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending','delivered','skipped','failed')",
            name=op.f("ck_campaign_delivery_status"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["campaign_run.id"], name=op.f("fk_campaign_delivery_run_id_campaign_run")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_campaign_delivery_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("run_id", "user_id", name=op.f("pk_campaign_delivery")),
    )
    op.create_index(
        "ix_campaign_delivery_pending",
        "campaign_delivery",
        ["run_id", "user_id"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_campaign_delivery_user_id", "campaign_delivery", ["user_id"], unique=False)
    op.add_column(
        "voucher",
        sa.Column("grant_reference", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )
    op.alter_column("voucher", "debit_transaction_id", existing_type=sa.UUID(), nullable=True)
    op.create_unique_constraint(op.f("uq_voucher_grant_reference"), "voucher", ["grant_reference"])
    op.create_check_constraint(
        op.f("ck_voucher_paid_or_granted"),
        "voucher",
        "(debit_transaction_id IS NULL) <> (grant_reference IS NULL)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_voucher_paid_or_granted"), "voucher", type_="check")
    op.drop_constraint(op.f("uq_voucher_grant_reference"), "voucher", type_="unique")
    op.alter_column("voucher", "debit_transaction_id", existing_type=sa.UUID(), nullable=False)
    op.drop_column("voucher", "grant_reference")
    op.drop_index("ix_campaign_delivery_user_id", table_name="campaign_delivery")
    op.drop_index(
        "ix_campaign_delivery_pending",
        table_name="campaign_delivery",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("campaign_delivery")
    op.drop_index(
        "ix_campaign_run_unfinished",
        table_name="campaign_run",
        postgresql_where=sa.text("status IN ('pending', 'running')"),
    )
    op.drop_table("campaign_run")
    op.drop_index("ix_campaign_multiplier_user_id_ends_at", table_name="campaign_multiplier")
    op.drop_table("campaign_multiplier")
    op.drop_index("ix_campaign_status_next_run_at", table_name="campaign")
    op.drop_table("campaign")
    op.drop_table("campaign_segment")
    op.drop_table("campaign_message_day")
