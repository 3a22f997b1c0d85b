"""activity_events: the outcomes' append-only event log (monthly partitions), NPS answers, the
broker's client events, each user's owner reference per partner, and the broker account-open date

`activity_event` is PARTITION BY RANGE (occurred_at): one partition per month from 2024-01 to
24 months ahead of the upgrade, and a DEFAULT partition so no insert ever fails.
`activity_event_add_partitions(through)` adds the missing months up to `through`, moving any row
the DEFAULT partition caught for such a month into it; the scheduler's `outcomes.partitions` job
calls it daily. A row trigger refuses UPDATE (the log is append-only); DELETE stays allowed,
for erasing one user's rows with the account.

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 07:20:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONTHS_AHEAD = 24  # gamification/outcomes/partitions.py keeps the same horizon

KINDS = (
    "signed_up",
    "lesson_opened",
    "lesson_completed",
    "quiz_attempted",
    "voucher_redeemed",
    "voucher_consumed",
    "contest_joined",
    "order_placed",
    "post_published",
    "report_filed",
    "inbox_read",
    "nps_answered",
    "broker_account_opened",
    "broker_first_trade",
    "broker_tier_changed",
)

ACTIVITY_EVENT = (
    f"""
CREATE TABLE activity_event (
    occurred_at timestamptz NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    user_id uuid NOT NULL,
    kind text NOT NULL,
    detail text NULL,
    CONSTRAINT pk_activity_event PRIMARY KEY (occurred_at, id),
    CONSTRAINT ck_activity_event_kind CHECK (kind IN ({", ".join(f"'{k}'" for k in KINDS)}))
) PARTITION BY RANGE (occurred_at)""",
    "CREATE INDEX ix_activity_event_user_id_occurred_at ON activity_event (user_id, occurred_at)",
    "CREATE INDEX ix_activity_event_kind_occurred_at ON activity_event (kind, occurred_at)",
    "CREATE TABLE activity_event_default PARTITION OF activity_event DEFAULT",
    """
CREATE FUNCTION activity_event_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'activity_event is append-only' USING ERRCODE = 'restrict_violation';
END $$""",
    """
CREATE TRIGGER activity_event_append_only BEFORE UPDATE ON activity_event
    FOR EACH ROW EXECUTE FUNCTION activity_event_refuse_update()""",
)

# Months (in UTC) from 2024-01 through `p_through`'s month that have no partition get one, named
# activity_event_yYYYYmMM. Rows the DEFAULT partition holds for such a month are taken out
# first and put back through the parent (so the new partition's bounds check passes); the
# number of partitions created is returned.
ADD_PARTITIONS = """
CREATE FUNCTION activity_event_add_partitions(p_through date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_month date := DATE '2024-01-01';
    v_from timestamptz;
    v_to timestamptz;
    v_name text;
    v_rows activity_event[];
    v_added integer := 0;
BEGIN
    WHILE v_month <= date_trunc('month', p_through)::date LOOP
        v_name := 'activity_event_' || to_char(v_month, '"y"YYYY"m"MM');
        IF to_regclass(v_name) IS NULL THEN
            v_from := v_month::timestamp AT TIME ZONE 'UTC';
            v_to := (v_month + interval '1 month')::timestamp AT TIME ZONE 'UTC';
            WITH moved AS (
                DELETE FROM activity_event_default
                WHERE occurred_at >= v_from AND occurred_at < v_to
                RETURNING *
            )
            SELECT array_agg(moved) INTO v_rows FROM moved;
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF activity_event FOR VALUES FROM (%L) TO (%L)',
                v_name, v_from, v_to
            );
            IF v_rows IS NOT NULL THEN
                INSERT INTO activity_event (occurred_at, id, user_id, kind, detail)
                OVERRIDING SYSTEM VALUE
                SELECT occurred_at, id, user_id, kind, detail FROM unnest(v_rows);
            END IF;
            v_added := v_added + 1;
        END IF;
        v_month := (v_month + interval '1 month')::date;
    END LOOP;
    RETURN v_added;
END $$
"""

NPS_RESPONSE = (
    """
CREATE TABLE nps_response (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    score smallint NOT NULL,
    comment text NULL,
    answered_at timestamptz NOT NULL,
    CONSTRAINT pk_nps_response PRIMARY KEY (id),
    CONSTRAINT fk_nps_response_user_id_user_account FOREIGN KEY (user_id)
        REFERENCES user_account (id) ON DELETE CASCADE,
    CONSTRAINT ck_nps_response_score CHECK (score BETWEEN 0 AND 10),
    CONSTRAINT ck_nps_response_comment_length
        CHECK (comment IS NULL OR char_length(comment) <= 1000)
)""",
    "CREATE INDEX ix_nps_response_user_id_answered_at ON nps_response (user_id, answered_at DESC)",
)

PARTNER_CLIENT_EVENT = (
    """
CREATE TABLE partner_client_event (
    id uuid NOT NULL,
    partner_id uuid NOT NULL,
    event_id varchar(128) NOT NULL,
    user_id uuid NOT NULL,
    type varchar(24) NOT NULL,
    at timestamptz NOT NULL,
    tier varchar(32) NULL,
    received_at timestamptz NOT NULL,
    CONSTRAINT pk_partner_client_event PRIMARY KEY (id),
    CONSTRAINT uq_partner_client_event_partner_id_event_id UNIQUE (partner_id, event_id),
    CONSTRAINT fk_partner_client_event_partner_id_partner FOREIGN KEY (partner_id)
        REFERENCES partner (id),
    CONSTRAINT fk_partner_client_event_user_id_user_account FOREIGN KEY (user_id)
        REFERENCES user_account (id) ON DELETE CASCADE,
    CONSTRAINT ck_partner_client_event_type
        CHECK (type IN ('account_opened', 'first_trade', 'asset_tier_changed')),
    CONSTRAINT ck_partner_client_event_tier
        CHECK (type <> 'asset_tier_changed' OR tier IS NOT NULL)
)""",
    "CREATE INDEX ix_partner_client_event_user_id ON partner_client_event (user_id)",
)

PARTNER_OWNER_REF = (
    """
CREATE TABLE partner_owner_ref (
    partner_id uuid NOT NULL,
    owner_ref varchar(36) NOT NULL,
    user_id uuid NOT NULL,
    CONSTRAINT pk_partner_owner_ref PRIMARY KEY (partner_id, owner_ref),
    CONSTRAINT fk_partner_owner_ref_partner_id_partner FOREIGN KEY (partner_id)
        REFERENCES partner (id) ON DELETE CASCADE,
    CONSTRAINT fk_partner_owner_ref_user_id_user_account FOREIGN KEY (user_id)
        REFERENCES user_account (id) ON DELETE CASCADE
)""",
    "CREATE INDEX ix_partner_owner_ref_user_id ON partner_owner_ref (user_id)",
)


def _execute(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    op.execute("ALTER TABLE user_account ADD COLUMN broker_account_opened_at timestamptz NULL")
    _execute(ACTIVITY_EVENT)
    op.execute(ADD_PARTITIONS)
    op.execute(
        f"SELECT activity_event_add_partitions((now() + interval '{MONTHS_AHEAD} months')::date)"
    )
    _execute(NPS_RESPONSE)
    _execute(PARTNER_CLIENT_EVENT)
    _execute(PARTNER_OWNER_REF)


def downgrade() -> None:
    op.execute("DROP TABLE partner_owner_ref")
    op.execute("DROP TABLE partner_client_event")
    op.execute("DROP TABLE nps_response")
    op.execute("DROP TABLE activity_event")  # and its partitions
    op.execute("DROP FUNCTION activity_event_add_partitions(date)")
    op.execute("DROP FUNCTION activity_event_refuse_update()")
    op.execute("ALTER TABLE user_account DROP COLUMN broker_account_opened_at")
