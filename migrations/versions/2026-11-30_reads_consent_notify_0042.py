"""accounts: NOTIFY investquest_caller_changed when a user's consents change

Every server process caches a signed-in user's current consents with their token check
(api/accounts/session_cache.py), so `GET /v1/me` needs no round trip. A consent is its own row
(`account_consent`, one per decision), which migration 0014's triggers do not watch: this one
sends the user's id on the same channel, in the transaction that records the decision, so every
replica forgets the cached consents (and the caller) when it commits.

Revision ID: 0042
Revises: 0041
Create Date: 2026-11-30 14:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = [
    """
    CREATE FUNCTION notify_consent_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            PERFORM pg_notify('investquest_caller_changed', OLD.user_id::text);
        ELSE
            PERFORM pg_notify('investquest_caller_changed', NEW.user_id::text);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER account_consent_caller_changed
    AFTER INSERT OR UPDATE OR DELETE ON account_consent
    FOR EACH ROW EXECUTE FUNCTION notify_consent_changed()
    """,
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER account_consent_caller_changed ON account_consent")
    op.execute("DROP FUNCTION notify_consent_changed()")
