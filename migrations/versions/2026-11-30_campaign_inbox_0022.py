"""campaign inbox: messages to learners from campaigns and other domains, unique by reference

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 04:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_inbox_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("title", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("deep_link", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_campaign_inbox_message_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_inbox_message")),
        sa.UniqueConstraint("reference", name=op.f("uq_campaign_inbox_message_reference")),
    )
    op.create_index(
        "ix_campaign_inbox_message_user_id_created_at_id",
        "campaign_inbox_message",
        ["user_id", "created_at", "id"],
    )
    op.create_index(
        "ix_campaign_inbox_message_unread",
        "campaign_inbox_message",
        ["user_id"],
        postgresql_where=sa.text("read_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("campaign_inbox_message")
