"""community: the compliance rules as versioned data, live on every replica within a second

`community_rule_set` keeps every version of the moderation rules (the document of
`seed/moderation.yaml`), written by the audited admin routes. Inserting a version NOTIFYs
`investquest_moderation_rules` with its number in the inserting transaction, so the notice goes
out only when it commits; every server process LISTENs and swaps its compiled rules.

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-30 07:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTIFY = [
    """
    CREATE FUNCTION notify_moderation_rules() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('investquest_moderation_rules', NEW.version::text);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER community_rule_set_notify AFTER INSERT ON community_rule_set
    FOR EACH ROW EXECUTE FUNCTION notify_moderation_rules()
    """,
]


def upgrade() -> None:
    op.create_table(
        "community_rule_set",
        sa.Column("version", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_community_rule_set_created_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_community_rule_set")),
    )
    for statement in NOTIFY:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER community_rule_set_notify ON community_rule_set")
    op.execute("DROP FUNCTION notify_moderation_rules()")
    op.drop_table("community_rule_set")
