"""community: posts (with a topic index per tag and symbol for the filtered feeds), comments,
likes (one per user and post), reports (one per reporter and post) and each author's rate
windows; partial indexes for the published feed and the moderation queue

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 04:13:28.795777+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "community_post",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column(
            "tags", postgresql.ARRAY(sa.String(length=24)), server_default="{}", nullable=False
        ),
        sa.Column(
            "symbols", postgresql.ARRAY(sa.String(length=9)), server_default="{}", nullable=False
        ),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "matched_rules",
            postgresql.ARRAY(sa.String(length=48)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "labels", postgresql.ARRAY(sa.String(length=48)), server_default="{}", nullable=False
        ),
        sa.Column("like_count", sa.Integer(), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("open_reports", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('published', 'pending', 'hidden', 'removed')",
            name=op.f("ck_community_post_status"),
        ),
        sa.CheckConstraint(
            "cardinality(tags) <= 5 AND cardinality(symbols) <= 5",
            name=op.f("ck_community_post_topics"),
        ),
        sa.CheckConstraint("char_length(body) <= 2000", name=op.f("ck_community_post_body_length")),
        sa.CheckConstraint(
            "erased_at IS NULL OR (body = '' AND status = 'removed')",
            name=op.f("ck_community_post_erased"),
        ),
        sa.CheckConstraint(
            "like_count >= 0 AND comment_count >= 0 AND open_reports >= 0",
            name=op.f("ck_community_post_counts"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_community_post_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_post")),
    )
    op.create_index(
        "ix_community_post_feed",
        "community_post",
        [sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_index(
        "ix_community_post_queue",
        "community_post",
        ["queued_at", "id"],
        unique=False,
        postgresql_where=sa.text("queued_at IS NOT NULL"),
    )
    op.create_index(
        "ix_community_post_unpublished",
        "community_post",
        ["user_id", "created_at", "id"],
        unique=False,
        postgresql_where=sa.text("status IN ('pending', 'hidden')"),
    )
    op.create_index(
        "ix_community_post_user_id_created_at",
        "community_post",
        ["user_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "community_rate",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("posts_hour_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posts_in_hour", sa.Integer(), nullable=False),
        sa.Column("posts_day_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posts_in_day", sa.Integer(), nullable=False),
        sa.Column("comments_minute_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comments_in_minute", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_community_rate_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_community_rate")),
    )
    op.create_table(
        "community_comment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "matched_rules",
            postgresql.ARRAY(sa.String(length=48)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('published', 'pending', 'hidden', 'removed')",
            name=op.f("ck_community_comment_status"),
        ),
        sa.CheckConstraint(
            "char_length(body) <= 500", name=op.f("ck_community_comment_body_length")
        ),
        sa.CheckConstraint(
            "erased_at IS NULL OR (body = '' AND status = 'removed')",
            name=op.f("ck_community_comment_erased"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_post.id"],
            name=op.f("fk_community_comment_post_id_community_post"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_community_comment_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_comment")),
    )
    op.create_index(
        "ix_community_comment_post_id_created_at",
        "community_comment",
        ["post_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_community_comment_queue",
        "community_comment",
        ["queued_at", "id"],
        unique=False,
        postgresql_where=sa.text("queued_at IS NOT NULL"),
    )
    op.create_index("ix_community_comment_user_id", "community_comment", ["user_id"], unique=False)
    op.create_table(
        "community_post_topic",
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_post.id"],
            name=op.f("fk_community_post_topic_post_id_community_post"),
        ),
        sa.PrimaryKeyConstraint(
            "topic", "created_at", "post_id", name=op.f("pk_community_post_topic")
        ),
    )
    op.create_table(
        "community_reaction",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('like')", name=op.f("ck_community_reaction_kind")),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_post.id"],
            name=op.f("fk_community_reaction_post_id_community_post"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_community_reaction_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("post_id", "user_id", "kind", name=op.f("pk_community_reaction")),
    )
    op.create_index(
        "ix_community_reaction_user_id", "community_reaction", ["user_id"], unique=False
    )
    op.create_table(
        "community_report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('approved', 'hidden', 'removed')",
            name=op.f("ck_community_report_outcome"),
        ),
        sa.CheckConstraint(
            "reason IN ('stock_tip', 'scam', 'harassment', 'spam', 'personal_data', 'other')",
            name=op.f("ck_community_report_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_post.id"],
            name=op.f("fk_community_report_post_id_community_post"),
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["user_account.id"],
            name=op.f("fk_community_report_reporter_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_report")),
        sa.UniqueConstraint(
            "post_id", "reporter_id", name=op.f("uq_community_report_post_id_reporter_id")
        ),
    )
    op.create_index(
        "ix_community_report_reporter_id_created_at",
        "community_report",
        ["reporter_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_community_report_reporter_id_created_at", table_name="community_report")
    op.drop_table("community_report")
    op.drop_index("ix_community_reaction_user_id", table_name="community_reaction")
    op.drop_table("community_reaction")
    op.drop_table("community_post_topic")
    op.drop_index("ix_community_comment_user_id", table_name="community_comment")
    op.drop_index(
        "ix_community_comment_queue",
        table_name="community_comment",
        postgresql_where=sa.text("queued_at IS NOT NULL"),
    )
    op.drop_index("ix_community_comment_post_id_created_at", table_name="community_comment")
    op.drop_table("community_comment")
    op.drop_table("community_rate")
    op.drop_index("ix_community_post_user_id_created_at", table_name="community_post")
    op.drop_index(
        "ix_community_post_unpublished",
        table_name="community_post",
        postgresql_where=sa.text("status IN ('pending', 'hidden')"),
    )
    op.drop_index(
        "ix_community_post_queue",
        table_name="community_post",
        postgresql_where=sa.text("queued_at IS NOT NULL"),
    )
    op.drop_index(
        "ix_community_post_feed",
        table_name="community_post",
        postgresql_where=sa.text("status = 'published'"),
    )
    op.drop_table("community_post")
