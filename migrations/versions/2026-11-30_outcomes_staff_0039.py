"""outcomes: a partial index of the staff accounts, which the rollup leaves out of every month

The rollup's fold reads `SELECT id FROM user_account WHERE roles && ARRAY[staff roles]` once per
month partition it scans: without this index that is a scan of every account (at a million
accounts, 43,000 pages, about two seconds a month on the shared bench machine); with it, a read
of a few entries.

Revision ID: 0039
Revises: 0038
Create Date: 2026-11-30 11:25:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_user_account_staff ON user_account (id)"
        " WHERE roles && ARRAY['editor', 'marketer', 'moderator', 'admin']::varchar[]"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_user_account_staff")
