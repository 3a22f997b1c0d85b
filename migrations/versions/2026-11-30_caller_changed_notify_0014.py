"""accounts: NOTIFY investquest_caller_changed when a session ends or an account changes

Every server process caches its check of an access token's session and user for a few seconds
(api/accounts/session_cache.py) and LISTENs on this channel. The triggers send the user's id
in the transaction that makes the change, so the notice goes out only when it commits, whoever
makes it (logout, refresh-token reuse, password or role change, profile, erasure, the CLI).
PostgreSQL folds identical notices of one transaction into one.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 13:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = [
    """
    CREATE FUNCTION notify_caller_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'user_account' THEN
            PERFORM pg_notify('investquest_caller_changed', OLD.id::text);
        ELSE
            PERFORM pg_notify('investquest_caller_changed', OLD.user_id::text);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER auth_session_caller_changed AFTER UPDATE OR DELETE ON auth_session
    FOR EACH ROW EXECUTE FUNCTION notify_caller_changed()
    """,
    """
    CREATE TRIGGER user_account_caller_changed AFTER UPDATE OR DELETE ON user_account
    FOR EACH ROW EXECUTE FUNCTION notify_caller_changed()
    """,
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER user_account_caller_changed ON user_account")
    op.execute("DROP TRIGGER auth_session_caller_changed ON auth_session")
    op.execute("DROP FUNCTION notify_caller_changed()")
