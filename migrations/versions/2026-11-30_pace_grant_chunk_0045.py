"""campaign grant chunks: the deliveries marked through their index

Measured at 100,000 learners (one chunk of 1,000 under EXPLAIN ANALYZE, auto_explain for the
statements inside the function): the chunk's update of its deliveries joined `unnest(v_users)`
to the run's deliveries, and the function's generic plan took the whole run's rows into a
hash (a sequential scan of 101,000 deliveries, 140 ms of a chunk's 0.3 to 0.6 s, growing
with the run). The delivered users, and the skipped ones past the budget, are now each an
`user_id = ANY (...)` on the deliveries' index: 24 ms for 1,000 rows, whatever the run's size.
The failure path marks its users the same way.

Everything else is as migration 0038 wrote it (restored on downgrade).

Revision ID: 0045
Revises: 0044
Create Date: 2026-11-30 13:30:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

from api.migrations import revision_module

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANT_CHUNK = """
CREATE OR REPLACE FUNCTION campaign_grant_chunk(
    p_run_id uuid, p_campaign_id uuid, p_after uuid, p_size integer, p_points bigint,
    p_kind text, p_reason jsonb, p_lot_days integer, p_now timestamptz, p_max_errors integer,
    OUT claimed integer, OUT delivered integer, OUT skipped integer, OUT failed integer,
    OUT points bigint, OUT last_user uuid
) LANGUAGE plpgsql AS $$
DECLARE
    v_users uuid[];
    v_paid integer;
    v_keys text[];
BEGIN
    delivered := 0; skipped := 0; failed := 0; points := 0;
    SELECT array_agg(d.user_id ORDER BY d.user_id) INTO v_users
    FROM (SELECT user_id FROM campaign_delivery
          WHERE run_id = p_run_id AND status = 'pending'
            AND user_id > coalesce(p_after, '00000000-0000-0000-0000-000000000000')
          ORDER BY user_id LIMIT p_size
          FOR UPDATE SKIP LOCKED) d;
    claimed := coalesce(cardinality(v_users), 0);
    IF claimed = 0 THEN
        RETURN;
    END IF;
    last_user := v_users[claimed];
    BEGIN
        SELECT least(claimed, greatest(0, budget_points - points_spent) / p_points)::integer
        INTO v_paid
        FROM campaign WHERE id = p_campaign_id AND budget_points IS NOT NULL
        FOR UPDATE;
        IF NOT FOUND THEN
            v_paid := claimed;
        ELSIF v_paid > 0 THEN
            UPDATE campaign SET points_spent = points_spent + v_paid * p_points
            WHERE id = p_campaign_id;
        END IF;
        IF v_paid > 0 THEN
            SELECT array_agg('campaign:' || p_run_id || ':' || u ORDER BY n) INTO v_keys
            FROM unnest(v_users[1:v_paid]) WITH ORDINALITY AS x(u, n);
            PERFORM 1 FROM ledger_earn_many(
                p_kind, p_now, v_keys, v_keys, array_fill(p_reason, ARRAY[v_paid]),
                v_users[1:v_paid], array_fill(p_points, ARRAY[v_paid]),
                array_fill(0::bigint, ARRAY[v_paid]), array_fill(p_lot_days, ARRAY[v_paid]));
        END IF;
        UPDATE campaign_delivery SET status = 'delivered', delivered_at = p_now
        WHERE run_id = p_run_id AND user_id = ANY (v_users[1:v_paid]);
        IF v_paid < claimed THEN
            UPDATE campaign_delivery SET status = 'skipped', reason = 'budget_exhausted'
            WHERE run_id = p_run_id AND user_id = ANY (v_users[v_paid + 1:claimed]);
        END IF;
        delivered := v_paid;
        skipped := claimed - v_paid;
        points := v_paid * p_points;
        UPDATE campaign_run
        SET delivered = campaign_run.delivered + campaign_grant_chunk.delivered,
            skipped = campaign_run.skipped + campaign_grant_chunk.skipped,
            points_spent = campaign_run.points_spent + campaign_grant_chunk.points
        WHERE id = p_run_id;
    EXCEPTION WHEN OTHERS THEN
        IF left(SQLSTATE, 2) IN ('08', '40', '53', '57') OR SQLSTATE = '55P03' THEN
            RAISE;
        END IF;
        delivered := 0; skipped := 0; points := 0;
        failed := claimed;
        UPDATE campaign_delivery SET status = 'failed', reason = left('error ' || SQLSTATE, 40)
        WHERE run_id = p_run_id AND user_id = ANY (v_users);
        UPDATE campaign_run
        SET failed = campaign_run.failed + claimed,
            errors = CASE WHEN jsonb_array_length(errors) < p_max_errors
                THEN errors || jsonb_build_array(jsonb_build_object(
                    'at', to_jsonb(p_now), 'users', claimed,
                    'error', left(SQLSTATE || ' ' || SQLERRM, 200)))
                ELSE errors END
        WHERE id = p_run_id;
    END;
END $$
"""


def upgrade() -> None:
    op.execute(GRANT_CHUNK)


def downgrade() -> None:
    op.execute(
        revision_module("0038").GRANT_CHUNK.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
    )
