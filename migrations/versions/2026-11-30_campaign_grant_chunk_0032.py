"""campaign_grant_chunk: one chunk of a `grant_points` run in one statement

A chunk was six to eight round trips from Python (the pending users, the budget, the bulk earn
with a thousand copies of the same reason, the deliveries by status, the run's counters), and
its Python side built a thousand earns: a million-user run made 1,400 deliveries a second.
`campaign_grant_chunk` does the chunk in the database:

1. claims up to `p_size` pending deliveries of the run, in user id order, `FOR UPDATE SKIP
   LOCKED` (replicas share a run's chunks, none waits on another's);
2. takes what the budget still covers under the campaign's row lock (held to the commit, so
   racing chunks together never exceed it; the campaign's CHECK backs this up); a campaign
   without a budget takes no lock;
3. earns the points of the paid users through migration 0013's `ledger_earn_many`, under the
   key and reference `campaign:{run}:{user}` (accounts locked in user id order);
4. marks the chunk's deliveries delivered, or skipped (`budget_exhausted`), in one update, and
   raises the run's counters once.

Steps 2 to 4 run in a block of their own: an error that retrying cannot cure (a constraint, a
refusing trigger) undoes them, and the chunk's users are marked failed with the error listed
on the run (the first 20). Errors a retry may cure (serialization, deadlock, lock or statement
timeouts, resources, connections, shutdown) are raised: the chunk's transaction rolls back and
its users stay pending for the next tick.

Revision ID: 0032
Revises: 0026
Create Date: 2026-11-30 07:40:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# claimed: deliveries this call claimed (0: none left to claim); delivered, skipped, failed:
# what became of them; points: what was spent.
GRANT_CHUNK = """
CREATE FUNCTION campaign_grant_chunk(
    p_run_id uuid, p_campaign_id uuid, p_size integer, p_points bigint, p_kind text,
    p_reason jsonb, p_lot_days integer, p_now timestamptz, p_max_errors integer,
    OUT claimed integer, OUT delivered integer, OUT skipped integer, OUT failed integer,
    OUT points bigint
) LANGUAGE plpgsql AS $$
DECLARE
    v_users uuid[];
    v_budget bigint;
    v_spent bigint;
    v_paid integer;
    v_keys text[];
BEGIN
    delivered := 0; skipped := 0; failed := 0; points := 0;
    SELECT array_agg(d.user_id ORDER BY d.user_id) INTO v_users
    FROM (SELECT user_id FROM campaign_delivery
          WHERE run_id = p_run_id AND status = 'pending'
          ORDER BY user_id LIMIT p_size
          FOR UPDATE SKIP LOCKED) d;
    claimed := coalesce(cardinality(v_users), 0);
    IF claimed = 0 THEN
        RETURN;
    END IF;
    BEGIN
        v_paid := claimed;
        IF (SELECT budget_points IS NOT NULL FROM campaign WHERE id = p_campaign_id) THEN
            SELECT budget_points, points_spent INTO v_budget, v_spent
            FROM campaign WHERE id = p_campaign_id FOR UPDATE;
            v_paid := least(claimed, greatest(0, v_budget - v_spent) / p_points)::integer;
            IF v_paid > 0 THEN
                UPDATE campaign SET points_spent = points_spent + v_paid * p_points
                WHERE id = p_campaign_id;
            END IF;
        END IF;
        IF v_paid > 0 THEN
            SELECT array_agg('campaign:' || p_run_id || ':' || u ORDER BY n) INTO v_keys
            FROM unnest(v_users[1:v_paid]) WITH ORDINALITY AS x(u, n);
            PERFORM 1 FROM ledger_earn_many(
                p_kind, p_now, v_keys, v_keys, array_fill(p_reason, ARRAY[v_paid]),
                v_users[1:v_paid], array_fill(p_points, ARRAY[v_paid]),
                array_fill(0::bigint, ARRAY[v_paid]), array_fill(p_lot_days, ARRAY[v_paid]));
        END IF;
        UPDATE campaign_delivery d
        SET status = CASE WHEN x.n <= v_paid THEN 'delivered' ELSE 'skipped' END,
            reason = CASE WHEN x.n <= v_paid THEN NULL ELSE 'budget_exhausted' END,
            delivered_at = CASE WHEN x.n <= v_paid THEN p_now END
        FROM unnest(v_users) WITH ORDINALITY AS x(user_id, n)
        WHERE d.run_id = p_run_id AND d.user_id = x.user_id;
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
        UPDATE campaign_delivery d SET status = 'failed', reason = left('error ' || SQLSTATE, 40)
        FROM unnest(v_users) AS x(user_id)
        WHERE d.run_id = p_run_id AND d.user_id = x.user_id;
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
        "DROP FUNCTION campaign_grant_chunk(uuid, uuid, integer, bigint, text, jsonb, integer, "
        "timestamptz, integer)"
    )
