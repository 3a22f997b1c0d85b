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
# activity_event_yYYYYmMM; the number created is returned. Each is made as a table of its own,
# then attached: ATTACH takes only a SHARE UPDATE EXCLUSIVE lock on the parent, so the inserts
# every domain write makes go on meanwhile (CREATE TABLE ... PARTITION OF would take ACCESS
# EXCLUSIVE, and queue them all behind any long transaction). The new table's CHECK matches its
# bounds (kept: it says the same as the bound) so ATTACH need not scan it; rows the DEFAULT partition caught for that month move into
# it first (ATTACH checks that the DEFAULT partition holds none).
ADD_PARTITIONS = """
CREATE FUNCTION activity_event_add_partitions(p_through date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_month date := DATE '2024-01-01';
    v_from timestamptz;
    v_to timestamptz;
    v_name text;
    v_added integer := 0;
BEGIN
    WHILE v_month <= date_trunc('month', p_through)::date LOOP
        v_name := 'activity_event_' || to_char(v_month, '"y"YYYY"m"MM');
        IF to_regclass(v_name) IS NULL THEN
            v_from := v_month::timestamp AT TIME ZONE 'UTC';
            v_to := (v_month + interval '1 month')::timestamp AT TIME ZONE 'UTC';
            EXECUTE format(
                'CREATE TABLE %I (LIKE activity_event INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
                'CONSTRAINT %I CHECK (occurred_at >= %L AND occurred_at < %L))',
                v_name, v_name || '_bounds', v_from, v_to
            );
            EXECUTE format(
                'WITH moved AS (DELETE FROM activity_event_default '
                'WHERE occurred_at >= %L AND occurred_at < %L RETURNING *) '
                'INSERT INTO %I SELECT * FROM moved',
                v_from, v_to, v_name
            );
            EXECUTE format(
                'ALTER TABLE activity_event ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                v_name, v_from, v_to
            );
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

# partners.owner_reference in SQL: HMAC-SHA256(owner_secret, 'voucher-owner:<user id>'), built
# from sha256() (no extension needed). The pads depend on the partner only: a statement computes
# them once per partner, then one pair of hashes per user.
OWNER_REFS = (
    """
CREATE FUNCTION partner_owner_pads(p_secret bytea, OUT ipad bytea, OUT opad bytea)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT decode(string_agg(lpad(to_hex(get_byte(k, i) # 54), 2, '0'), '' ORDER BY i), 'hex'),
           decode(string_agg(lpad(to_hex(get_byte(k, i) # 92), 2, '0'), '' ORDER BY i), 'hex')
    FROM (SELECT p_secret || decode(repeat('00', 64 - length(p_secret)), 'hex') AS k) s,
         generate_series(0, 63) i
$$""",
    """
CREATE FUNCTION partner_owner_ref(p_ipad bytea, p_opad bytea, p_user_id uuid) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'usr_' || left(encode(sha256(p_opad || sha256(
        p_ipad || convert_to('voucher-owner:' || p_user_id::text, 'UTF8'))), 'hex'), 32)
$$""",
    # New users: one reference per partner (the statement's users at once).
    """
CREATE FUNCTION user_account_owner_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO partner_owner_ref (partner_id, owner_ref, user_id)
    SELECT p.id, partner_owner_ref(pads.ipad, pads.opad, u.id), u.id
    FROM partner p CROSS JOIN LATERAL partner_owner_pads(p.owner_secret) pads
    CROSS JOIN new_users u;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER user_account_owner_refs AFTER INSERT ON user_account
    REFERENCING NEW TABLE AS new_users FOR EACH STATEMENT
    EXECUTE FUNCTION user_account_owner_refs()""",
    # A new partner, or a changed owner secret: every live user's reference (again); erased
    # accounts have none, so the broker's later deliveries for them find no one.
    """
CREATE FUNCTION partner_owner_refs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_ipad bytea;
    v_opad bytea;
BEGIN
    SELECT ipad, opad INTO v_ipad, v_opad FROM partner_owner_pads(NEW.owner_secret);
    DELETE FROM partner_owner_ref WHERE partner_id = NEW.id;
    INSERT INTO partner_owner_ref (partner_id, owner_ref, user_id)
    SELECT NEW.id, partner_owner_ref(v_ipad, v_opad, u.id), u.id
    FROM user_account u WHERE u.deleted_at IS NULL;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER partner_owner_refs AFTER INSERT OR UPDATE OF owner_secret ON partner
    FOR EACH ROW EXECUTE FUNCTION partner_owner_refs()""",
    """
INSERT INTO partner_owner_ref (partner_id, owner_ref, user_id)
SELECT p.id, partner_owner_ref(pads.ipad, pads.opad, u.id), u.id
FROM partner p CROSS JOIN LATERAL partner_owner_pads(p.owner_secret) pads
CROSS JOIN user_account u WHERE u.deleted_at IS NULL""",
)

# The activity events, each written by a trigger on the table of what it records, in the same
# transaction. Tables written in bulk (users by imports, vouchers by campaign drops) have
# statement triggers reading the transition table: one INSERT per statement. Tables written one
# row at a time have row triggers, and the UPDATE ones a WHEN clause, so that the updates that
# record nothing (a voucher expiring, an order filling) never call a function.
ACTIVITY_TRIGGERS = (
    """
CREATE FUNCTION activity_signed_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_event (occurred_at, user_id, kind)
    SELECT created_at, id, 'signed_up' FROM new_users;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_signed_up AFTER INSERT ON user_account
    REFERENCING NEW TABLE AS new_users FOR EACH STATEMENT EXECUTE FUNCTION activity_signed_up()""",
    # The first open starts the lesson's clock (opened_at, stored once); completion likewise.
    """
CREATE FUNCTION activity_lesson() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.opened_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.opened_at IS NULL) THEN
        INSERT INTO activity_event (occurred_at, user_id, kind, detail)
        VALUES (NEW.opened_at, NEW.user_id, 'lesson_opened', NEW.lesson_id::text);
    END IF;
    IF NEW.completed_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.completed_at IS NULL) THEN
        INSERT INTO activity_event (occurred_at, user_id, kind, detail)
        VALUES (NEW.completed_at, NEW.user_id, 'lesson_completed', NEW.lesson_id::text);
    END IF;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_lesson_inserted AFTER INSERT ON course_lesson_progress FOR EACH ROW
    WHEN (NEW.opened_at IS NOT NULL OR NEW.completed_at IS NOT NULL)
    EXECUTE FUNCTION activity_lesson()""",
    """
CREATE TRIGGER activity_lesson_updated AFTER UPDATE OF opened_at, completed_at
    ON course_lesson_progress FOR EACH ROW
    WHEN ((OLD.opened_at IS NULL AND NEW.opened_at IS NOT NULL)
          OR (OLD.completed_at IS NULL AND NEW.completed_at IS NOT NULL))
    EXECUTE FUNCTION activity_lesson()""",
    """
CREATE FUNCTION activity_quiz_attempted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_event (occurred_at, user_id, kind, detail)
    VALUES (NEW.created_at, NEW.user_id, 'quiz_attempted',
            CASE WHEN NEW.passed THEN 'passed' ELSE 'failed' END);
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_quiz_attempted AFTER INSERT ON course_quiz_attempt FOR EACH ROW
    EXECUTE FUNCTION activity_quiz_attempted()""",
    # Redeemed: bought with points. A campaign's voucher drop (granted, no debit) is not a
    # redemption; its vouchers count when they are used at the broker.
    """
CREATE FUNCTION activity_voucher_redeemed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_event (occurred_at, user_id, kind, detail)
    SELECT issued_at, user_id, 'voucher_redeemed', kind FROM new_vouchers
    WHERE debit_transaction_id IS NOT NULL;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_voucher_redeemed AFTER INSERT ON voucher
    REFERENCING NEW TABLE AS new_vouchers FOR EACH STATEMENT
    EXECUTE FUNCTION activity_voucher_redeemed()""",
    # Vouchers outlive their owner's erasure (the broker holds the codes): a voucher used
    # after it records nothing, or the erased learner would have activity again.
    """
CREATE FUNCTION activity_voucher_consumed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_event (occurred_at, user_id, kind, detail)
    SELECT NEW.consumed_at, NEW.user_id, 'voucher_consumed', NEW.kind
    FROM user_account u WHERE u.id = NEW.user_id AND u.deleted_at IS NULL;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_voucher_consumed AFTER UPDATE OF status ON voucher FOR EACH ROW
    WHEN (OLD.status <> 'consumed' AND NEW.status = 'consumed')
    EXECUTE FUNCTION activity_voucher_consumed()""",
    """
CREATE FUNCTION activity_contest_joined() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_event (occurred_at, user_id, kind, detail)
    VALUES (NEW.joined_at, NEW.user_id, 'contest_joined', NEW.contest_id::text);
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_contest_joined AFTER INSERT ON contest_entry FOR EACH ROW
    EXECUTE FUNCTION activity_contest_joined()""",
    # Every order the learner sent, a rejected one included (it was an interaction); fills
    # and status changes record nothing.
    """
CREATE FUNCTION activity_order_placed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_event (occurred_at, user_id, kind, detail)
    VALUES (NEW.created_at, NEW.user_id, 'order_placed', NEW.contest_id::text);
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_order_placed AFTER INSERT ON contest_order FOR EACH ROW
    EXECUTE FUNCTION activity_order_placed()""",
    # published_at is set once, at the first publication (on create, or on a moderator's
    # approval): hidden and approved again is not a second post.
    """
CREATE FUNCTION activity_post_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_event (occurred_at, user_id, kind)
    VALUES (NEW.published_at, NEW.user_id, 'post_published');
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_post_published_inserted AFTER INSERT ON community_post FOR EACH ROW
    WHEN (NEW.published_at IS NOT NULL) EXECUTE FUNCTION activity_post_published()""",
    """
CREATE TRIGGER activity_post_published_updated AFTER UPDATE OF published_at ON community_post
    FOR EACH ROW WHEN (OLD.published_at IS NULL AND NEW.published_at IS NOT NULL)
    EXECUTE FUNCTION activity_post_published()""",
    """
CREATE FUNCTION activity_report_filed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_event (occurred_at, user_id, kind)
    VALUES (NEW.created_at, NEW.reporter_id, 'report_filed');
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_report_filed AFTER INSERT ON community_report FOR EACH ROW
    EXECUTE FUNCTION activity_report_filed()""",
    """
CREATE FUNCTION activity_inbox_read() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_event (occurred_at, user_id, kind)
    VALUES (NEW.read_at, NEW.user_id, 'inbox_read');
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_inbox_read AFTER UPDATE OF read_at ON campaign_inbox_message FOR EACH ROW
    WHEN (OLD.read_at IS NULL AND NEW.read_at IS NOT NULL) EXECUTE FUNCTION activity_inbox_read()""",
    """
CREATE FUNCTION activity_nps_answered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_event (occurred_at, user_id, kind, detail)
    VALUES (NEW.answered_at, NEW.user_id, 'nps_answered', NEW.score::text);
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_nps_answered AFTER INSERT ON nps_response FOR EACH ROW
    EXECUTE FUNCTION activity_nps_answered()""",
    # At the broker's time of the fact, not the delivery's.
    """
CREATE FUNCTION activity_broker_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_event (occurred_at, user_id, kind, detail)
    VALUES (NEW.at, NEW.user_id,
            CASE NEW.type WHEN 'account_opened' THEN 'broker_account_opened'
                          WHEN 'first_trade' THEN 'broker_first_trade'
                          ELSE 'broker_tier_changed' END,
            NEW.tier);
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER activity_broker_event AFTER INSERT ON partner_client_event FOR EACH ROW
    EXECUTE FUNCTION activity_broker_event()""",
)

# (trigger, table) pairs and the functions, for the downgrade.
TRIGGERS = (
    ("user_account_owner_refs", "user_account"),
    ("partner_owner_refs", "partner"),
    ("activity_signed_up", "user_account"),
    ("activity_lesson_inserted", "course_lesson_progress"),
    ("activity_lesson_updated", "course_lesson_progress"),
    ("activity_quiz_attempted", "course_quiz_attempt"),
    ("activity_voucher_redeemed", "voucher"),
    ("activity_voucher_consumed", "voucher"),
    ("activity_contest_joined", "contest_entry"),
    ("activity_order_placed", "contest_order"),
    ("activity_post_published_inserted", "community_post"),
    ("activity_post_published_updated", "community_post"),
    ("activity_report_filed", "community_report"),
    ("activity_inbox_read", "campaign_inbox_message"),
)
FUNCTIONS = (
    "user_account_owner_refs()",
    "partner_owner_refs()",
    "partner_owner_ref(bytea, bytea, uuid)",
    "partner_owner_pads(bytea)",
    "activity_signed_up()",
    "activity_lesson()",
    "activity_quiz_attempted()",
    "activity_voucher_redeemed()",
    "activity_voucher_consumed()",
    "activity_contest_joined()",
    "activity_order_placed()",
    "activity_post_published()",
    "activity_report_filed()",
    "activity_inbox_read()",
    "activity_nps_answered()",
    "activity_broker_event()",
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
    _execute(OWNER_REFS)
    _execute(ACTIVITY_TRIGGERS)


def downgrade() -> None:
    for trigger, table in TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
    op.execute("DROP TABLE partner_owner_ref")
    op.execute("DROP TABLE partner_client_event")
    op.execute("DROP TABLE nps_response")
    op.execute("DROP TABLE activity_event")  # and its partitions
    op.execute("DROP FUNCTION activity_event_add_partitions(date)")
    op.execute("DROP FUNCTION activity_event_refuse_update()")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    op.execute("ALTER TABLE user_account DROP COLUMN broker_account_opened_at")
