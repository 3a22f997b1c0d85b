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
Revises: 0031
Create Date: 2026-11-30 07:40:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
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


# Two plans of the ledger that read the whole ledger once per bulk earn, found profiling a
# chunk at 100,000 learners (0.27 s and 0.42 s of its 1.5 s, growing with the ledger):
# - `ledger_earn_many` opened missing accounts `WHERE NOT EXISTS (...)`, planned as a hash
#   anti-join over a sequential scan of every account: the insert's own ON CONFLICT DO
#   NOTHING (one index probe per row) already skips the accounts that exist;
# - the zero-sum check of `ledger_entries_balance` (migration 0019) grouped the new
#   transactions' entries under a LIMIT 1 the planner trusted to stop early: a merge join
#   walking the whole entry index. Each new transaction is now summed on its own (LATERAL: an
#   index scan per transaction).
# The functions are otherwise as migrations 0013 and 0019 wrote them (restored on downgrade).
EARN_MANY = """
    CREATE OR REPLACE FUNCTION ledger_earn_many(
        p_kind text, p_now timestamptz, p_keys text[], p_references text[], p_reasons jsonb[],
        p_user_ids uuid[], p_points bigint[], p_xp bigint[], p_lot_days integer[]
    ) RETURNS TABLE (item integer, transaction_id uuid, points_balance bigint, xp_balance bigint)
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
        v_items integer[];
        v_transactions uuid[];
        v_owners uuid[];  -- one element per posting: an earn's points, then its XP
        v_currencies text[];
        v_amounts bigint[];
        v_earns integer[];
    BEGIN
        IF EXISTS (SELECT 1 FROM unnest(p_points, p_xp) AS a(points, xp)
                   WHERE points < 0 OR xp < 0) THEN
            RAISE EXCEPTION 'earn amounts are never negative' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        WITH wanted AS (
            SELECT DISTINCT ON (w.key) w.key, w.reference, w.reason, w.item::integer AS item
            FROM unnest(p_keys, p_references, p_reasons, p_points, p_xp) WITH ORDINALITY
                AS w(key, reference, reason, points, xp, item)
            WHERE w.points > 0 OR w.xp > 0
            ORDER BY w.key, w.item
        ), claimed AS (
            INSERT INTO ledger_transaction
                (id, idempotency_key, kind, reference, reason, reverses_id, created_at)
            SELECT uuid_v7(), key, p_kind, reference, reason, NULL, p_now
            FROM wanted ORDER BY item
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id, idempotency_key
        )
        SELECT array_agg(w.item ORDER BY w.item), array_agg(c.id ORDER BY w.item)
        INTO v_items, v_transactions
        FROM claimed c JOIN wanted w ON w.key = c.idempotency_key;
        IF v_items IS NULL THEN
            RETURN;
        END IF;
        SELECT array_agg(p_user_ids[c.item] ORDER BY c.n, x.n), array_agg(x.currency ORDER BY c.n, x.n),
               array_agg(x.amount ORDER BY c.n, x.n), array_agg(c.n ORDER BY c.n, x.n)
        INTO v_owners, v_currencies, v_amounts, v_earns
        FROM unnest(v_items) WITH ORDINALITY AS c(item, n)
        CROSS JOIN LATERAL (VALUES (1, 'points', p_points[c.item]), (2, 'xp', p_xp[c.item]))
            AS x(n, currency, amount)
        WHERE x.amount > 0;
        PERFORM 1
        FROM unnest(v_owners, v_currencies) WITH ORDINALITY AS w(owner, currency, position)
        JOIN ledger_account a ON a.user_id = w.owner AND a.currency = w.currency
        ORDER BY w.position
        FOR UPDATE OF a;
        INSERT INTO ledger_account (id, kind, currency, user_id, balance, created_at)
        SELECT uuid_v7(), 'user', w.currency, w.owner, 0, now()
        FROM unnest(v_owners, v_currencies) WITH ORDINALITY AS w(owner, currency, position)
        ORDER BY w.position
        ON CONFLICT (user_id, currency) WHERE user_id IS NOT NULL DO NOTHING;
        RETURN QUERY
        WITH postings AS (
            SELECT p.*, a.id AS account_id
            FROM unnest(v_earns, v_owners, v_currencies, v_amounts) WITH ORDINALITY
                AS p(earn, owner, currency, amount, position)
            JOIN ledger_account a ON a.user_id = p.owner AND a.currency = p.currency
        ), moved AS (
            UPDATE ledger_account a SET balance = a.balance + t.total
            FROM (SELECT account_id, sum(amount) AS total FROM postings GROUP BY account_id) t
            WHERE a.id = t.account_id
            RETURNING a.id, (a.balance - t.total)::bigint AS balance_before
        ), walked AS (
            SELECT p.*, (m.balance_before
                + sum(p.amount) OVER (PARTITION BY p.account_id ORDER BY p.position))::bigint
                AS balance_after
            FROM postings p JOIN moved m ON m.id = p.account_id
        ), entries AS (
            INSERT INTO ledger_entry
                (id, transaction_id, account_id, amount, balance_after, created_at)
            SELECT uuid_v7(), v_transactions[w.earn], e.account_id, e.amount, e.balance_after,
                   p_now
            FROM walked w CROSS JOIN LATERAL (VALUES
                (1, CASE w.currency WHEN 'points' THEN '00000000-0000-7000-8000-000000000001'::uuid
                                    ELSE '00000000-0000-7000-8000-000000000004'::uuid END, -w.amount, NULL::bigint),
                (2, w.account_id, w.amount, w.balance_after)
            ) AS e(n, account_id, amount, balance_after)
            ORDER BY w.position, e.n
        ), lots AS (
            INSERT INTO ledger_lot
                (id, account_id, transaction_id, amount, remaining, earned_at, expires_at)
            SELECT uuid_v7(), w.account_id, v_transactions[w.earn], w.amount, w.amount, p_now,
                   p_now + make_interval(hours => 24 * p_lot_days[v_items[w.earn]])
            FROM walked w WHERE w.currency = 'points'
            ORDER BY w.position
        )
        SELECT v_items[w.earn], v_transactions[w.earn],
               max(w.balance_after) FILTER (WHERE w.currency = 'points'),
               max(w.balance_after) FILTER (WHERE w.currency = 'xp')
        FROM walked w GROUP BY w.earn ORDER BY w.earn;
    END $$
"""
EARN_MANY_BEFORE = """
    CREATE OR REPLACE FUNCTION ledger_earn_many(
        p_kind text, p_now timestamptz, p_keys text[], p_references text[], p_reasons jsonb[],
        p_user_ids uuid[], p_points bigint[], p_xp bigint[], p_lot_days integer[]
    ) RETURNS TABLE (item integer, transaction_id uuid, points_balance bigint, xp_balance bigint)
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
        v_items integer[];
        v_transactions uuid[];
        v_owners uuid[];  -- one element per posting: an earn's points, then its XP
        v_currencies text[];
        v_amounts bigint[];
        v_earns integer[];
    BEGIN
        IF EXISTS (SELECT 1 FROM unnest(p_points, p_xp) AS a(points, xp)
                   WHERE points < 0 OR xp < 0) THEN
            RAISE EXCEPTION 'earn amounts are never negative' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        WITH wanted AS (
            SELECT DISTINCT ON (w.key) w.key, w.reference, w.reason, w.item::integer AS item
            FROM unnest(p_keys, p_references, p_reasons, p_points, p_xp) WITH ORDINALITY
                AS w(key, reference, reason, points, xp, item)
            WHERE w.points > 0 OR w.xp > 0
            ORDER BY w.key, w.item
        ), claimed AS (
            INSERT INTO ledger_transaction
                (id, idempotency_key, kind, reference, reason, reverses_id, created_at)
            SELECT uuid_v7(), key, p_kind, reference, reason, NULL, p_now
            FROM wanted ORDER BY item
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id, idempotency_key
        )
        SELECT array_agg(w.item ORDER BY w.item), array_agg(c.id ORDER BY w.item)
        INTO v_items, v_transactions
        FROM claimed c JOIN wanted w ON w.key = c.idempotency_key;
        IF v_items IS NULL THEN
            RETURN;
        END IF;
        SELECT array_agg(p_user_ids[c.item] ORDER BY c.n, x.n), array_agg(x.currency ORDER BY c.n, x.n),
               array_agg(x.amount ORDER BY c.n, x.n), array_agg(c.n ORDER BY c.n, x.n)
        INTO v_owners, v_currencies, v_amounts, v_earns
        FROM unnest(v_items) WITH ORDINALITY AS c(item, n)
        CROSS JOIN LATERAL (VALUES (1, 'points', p_points[c.item]), (2, 'xp', p_xp[c.item]))
            AS x(n, currency, amount)
        WHERE x.amount > 0;
        PERFORM 1
        FROM unnest(v_owners, v_currencies) WITH ORDINALITY AS w(owner, currency, position)
        JOIN ledger_account a ON a.user_id = w.owner AND a.currency = w.currency
        ORDER BY w.position
        FOR UPDATE OF a;
        INSERT INTO ledger_account (id, kind, currency, user_id, balance, created_at)
        SELECT uuid_v7(), 'user', w.currency, w.owner, 0, now()
        FROM unnest(v_owners, v_currencies) WITH ORDINALITY AS w(owner, currency, position)
        WHERE NOT EXISTS (SELECT 1 FROM ledger_account a
                          WHERE a.user_id = w.owner AND a.currency = w.currency)
        ORDER BY w.position
        ON CONFLICT (user_id, currency) WHERE user_id IS NOT NULL DO NOTHING;
        RETURN QUERY
        WITH postings AS (
            SELECT p.*, a.id AS account_id
            FROM unnest(v_earns, v_owners, v_currencies, v_amounts) WITH ORDINALITY
                AS p(earn, owner, currency, amount, position)
            JOIN ledger_account a ON a.user_id = p.owner AND a.currency = p.currency
        ), moved AS (
            UPDATE ledger_account a SET balance = a.balance + t.total
            FROM (SELECT account_id, sum(amount) AS total FROM postings GROUP BY account_id) t
            WHERE a.id = t.account_id
            RETURNING a.id, (a.balance - t.total)::bigint AS balance_before
        ), walked AS (
            SELECT p.*, (m.balance_before
                + sum(p.amount) OVER (PARTITION BY p.account_id ORDER BY p.position))::bigint
                AS balance_after
            FROM postings p JOIN moved m ON m.id = p.account_id
        ), entries AS (
            INSERT INTO ledger_entry
                (id, transaction_id, account_id, amount, balance_after, created_at)
            SELECT uuid_v7(), v_transactions[w.earn], e.account_id, e.amount, e.balance_after,
                   p_now
            FROM walked w CROSS JOIN LATERAL (VALUES
                (1, CASE w.currency WHEN 'points' THEN '00000000-0000-7000-8000-000000000001'::uuid
                                    ELSE '00000000-0000-7000-8000-000000000004'::uuid END, -w.amount, NULL::bigint),
                (2, w.account_id, w.amount, w.balance_after)
            ) AS e(n, account_id, amount, balance_after)
            ORDER BY w.position, e.n
        ), lots AS (
            INSERT INTO ledger_lot
                (id, account_id, transaction_id, amount, remaining, earned_at, expires_at)
            SELECT uuid_v7(), w.account_id, v_transactions[w.earn], w.amount, w.amount, p_now,
                   p_now + make_interval(hours => 24 * p_lot_days[v_items[w.earn]])
            FROM walked w WHERE w.currency = 'points'
            ORDER BY w.position
        )
        SELECT v_items[w.earn], v_transactions[w.earn],
               max(w.balance_after) FILTER (WHERE w.currency = 'points'),
               max(w.balance_after) FILTER (WHERE w.currency = 'xp')
        FROM walked w GROUP BY w.earn ORDER BY w.earn;
    END $$
"""
ENTRIES_BALANCE = """
    CREATE OR REPLACE FUNCTION ledger_entries_balance() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        v_id uuid;
    BEGIN
        SELECT n.id INTO v_id
        FROM new_entries n JOIN ledger_account a ON a.id = n.account_id
        WHERE (a.user_id IS NOT NULL) <> (n.balance_after IS NOT NULL)
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger entry % has a wrong balance_after', v_id
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT t.transaction_id INTO v_id
        FROM (SELECT DISTINCT n.transaction_id FROM new_entries n) t
        CROSS JOIN LATERAL (
            SELECT a.currency
            FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
            WHERE e.transaction_id = t.transaction_id
            GROUP BY a.currency
            HAVING sum(e.amount) <> 0
        ) unbalanced
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger transaction % does not sum to zero', v_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
"""
ENTRIES_BALANCE_BEFORE = """
    CREATE OR REPLACE FUNCTION ledger_entries_balance() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        v_id uuid;
    BEGIN
        SELECT n.id INTO v_id
        FROM new_entries n JOIN ledger_account a ON a.id = n.account_id
        WHERE (a.user_id IS NOT NULL) <> (n.balance_after IS NOT NULL)
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger entry % has a wrong balance_after', v_id
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT e.transaction_id INTO v_id
        FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
        WHERE e.transaction_id IN (SELECT DISTINCT n.transaction_id FROM new_entries n)
        GROUP BY e.transaction_id, a.currency
        HAVING sum(e.amount) <> 0
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger transaction % does not sum to zero', v_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
"""


def upgrade() -> None:
    op.execute(EARN_MANY)
    op.execute(ENTRIES_BALANCE)
    op.execute(GRANT_CHUNK)


def downgrade() -> None:
    op.execute(EARN_MANY_BEFORE)
    op.execute(ENTRIES_BALANCE_BEFORE)
    op.execute(
        "DROP FUNCTION campaign_grant_chunk(uuid, uuid, integer, bigint, text, jsonb, integer, "
        "timestamptz, integer)"
    )
