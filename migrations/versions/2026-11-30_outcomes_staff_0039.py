"""outcomes: a partial index of the staff accounts, which the rollup leaves out of every month

The rollup's fold reads `SELECT id FROM user_account WHERE roles && ARRAY[staff roles]` once per
month partition it scans: without this index that is a scan of every account (at a million
accounts, 43,000 pages, about two seconds a month on the shared bench machine); with it, a read
of a few entries.

The index is built and dropped CONCURRENTLY, outside the migration's transaction (Alembic's
autocommit block): a plain CREATE INDEX holds a lock on `user_account` that blocks every sign-up
for the build's one to two seconds at a million accounts. IF (NOT) EXISTS makes a rerun after an
interrupted build a no-op; an interrupted CONCURRENTLY build leaves an invalid index behind,
which `DROP INDEX` (the downgrade) removes.

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
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_user_account_staff ON user_account (id)"
            " WHERE roles && ARRAY['editor', 'marketer', 'moderator', 'admin']::varchar[]"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_user_account_staff")
