"""campaign grant chunks: a claim that skips what earlier chunks delivered, bulk earns that open
and credit accounts in one upsert

Profiled at 1,000,000 learners (`tests/benchmarks/campaigns.py`, the full-speed run), a chunk
slowed from 0.65 s to 1.75 s between the first and the 600,000th delivery:

- the claim's `ORDER BY user_id LIMIT n FOR UPDATE SKIP LOCKED` walked the run's deliveries
  from its first user each time (planned on `ix_campaign_delivery_user_id`, the pending index
  holding dead entries too without a vacuum), past every delivery made so far: 357,000 buffers
  and 2.4 s for a chunk at 600,000 delivered, 3,200 at the start. A chunk now starts after the
  last user its worker claimed (`p_after`, returned as `last_user`; NULL: from the run's
  first): `user_id > p_after` is where the index scan starts (a row comparison on
  (run_id, user_id) is not: next to `run_id =` it only filters, and the scan still walked the
  run's delivered entries, 42,000 buffers at 900,000), so a claim reads what the other
  workers hold or delivered meanwhile and its own chunk, whatever the run's size. A user skipped because another worker held it and then rolled back stays pending, and
  the next tick, starting from the first user again, delivers it; exactly-once is still the
  deliveries' status under the row locks, as before;
- `ledger_earn_many` (migration 0032) locked the existing accounts, inserted the missing ones,
  then updated every balance: a new account was written twice, and the update of a row
  inserted by the same transaction repeats its foreign key check. One `INSERT ... ON CONFLICT
  DO UPDATE` now opens each account with its total or adds the total to it, in the order of
  the earns as before (the row locks the same, so the same deadlock-free order for users in
  id order): the backend's CPU for a 1,000-user chunk went from 163 ms to 113 ms;
- the budget is read and locked in one statement, only for a campaign with a budget.

Everything else is as migrations 0032 and 0037 wrote it (restored on downgrade). Migration 0037's
walk of each account's postings by position (no join between two CTEs) is kept: the upsert's
accounts are numbered in (owner, currency) order and each posting finds its own by number.
A numbering mistake would credit another learner and still balance (the postings sum to zero
whichever account they name), so the upsert's owners and currencies come back as arrays too and
the function raises `internal_error` if a posting's account is not its owner's in its currency.
Each posting's account is read off those arrays once, in a materialised step before the balance
walk's sort, which had carried the arrays in each row it sorted: the backend's CPU for a
1,000-earn call went from about 340 ms to 160 ms with the check (12 alternating calls each,
medians, load average 2.5; /proc CPU ticks of the backend around each call, rolled back).

Revision ID: 0038
Revises: 0037
Create Date: 2026-11-30 11:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

from api.migrations import revision_module

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# claimed: deliveries this call claimed (0: none left after `p_after`); delivered, skipped,
# failed: what became of them; points: what was spent; last_user: where the next chunk of
# this worker starts.
GRANT_CHUNK = """
CREATE FUNCTION campaign_grant_chunk(
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
        v_points bigint[];  -- per earn (in v_items' order): the balances after it
        v_xp bigint[];
        v_own_accounts boolean;  -- every posting went to its owner's account in its currency
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
        WITH postings AS (
            SELECT p.*, sum(p.amount) OVER (PARTITION BY p.owner, p.currency) AS total,
                   dense_rank() OVER (ORDER BY p.owner, p.currency)::integer AS account_n
            FROM unnest(v_earns, v_owners, v_currencies, v_amounts) WITH ORDINALITY
                AS p(earn, owner, currency, amount, position)
        ), moved AS (
            INSERT INTO ledger_account AS a (id, kind, currency, user_id, balance, created_at)
            SELECT uuid_v7(), 'user', t.currency, t.owner, t.total, now()
            FROM (SELECT DISTINCT ON (owner, currency) owner, currency, total, position
                  FROM postings ORDER BY owner, currency, position) t
            ORDER BY t.position
            ON CONFLICT (user_id, currency) WHERE user_id IS NOT NULL
            DO UPDATE SET balance = a.balance + excluded.balance
            RETURNING a.id, a.user_id, a.currency, a.balance
        ), accounts AS (
            -- The accounts in (owner, currency) order: posting p's is number `account_n`, found
            -- by position, not by joining two CTEs the planner estimates at a row each (a
            -- nested loop comparing every posting with every account: quadratic, 10^10 pairs
            -- for a million-member league week's prizes; see migration 0037).
            -- Owners and currencies too (the currency as a boolean: a fixed-width array is
            -- read by position in constant time), to check each posting found its own account.
            SELECT array_agg(m.id ORDER BY m.user_id, m.currency) AS ids,
                   array_agg(m.balance ORDER BY m.user_id, m.currency) AS balances,
                   array_agg(m.user_id ORDER BY m.user_id, m.currency) AS owners,
                   array_agg(m.currency = 'points' ORDER BY m.user_id, m.currency) AS points
            FROM moved m
        ), placed AS MATERIALIZED (
            -- Each posting's account read off the arrays once, before the window's sort (which
            -- would otherwise carry the four arrays in every row it sorts).
            SELECT p.*, a.ids[p.account_n] AS account_id, a.balances[p.account_n] AS closing,
                   a.owners[p.account_n] = p.owner
                       AND a.points[p.account_n] = (p.currency = 'points') AS own_account
            FROM postings p CROSS JOIN accounts a
        ), walked AS (
            SELECT p.*, (p.closing - p.total
                + sum(p.amount) OVER (PARTITION BY p.account_n ORDER BY p.position))::bigint
                AS balance_after
            FROM placed p
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
        ), earned AS (
            SELECT w.earn, max(w.balance_after) FILTER (WHERE w.currency = 'points') AS points,
                   max(w.balance_after) FILTER (WHERE w.currency = 'xp') AS xp,
                   bool_and(w.own_account) AS own_accounts
            FROM walked w GROUP BY w.earn
        )
        SELECT array_agg(e.points ORDER BY e.earn), array_agg(e.xp ORDER BY e.earn),
               bool_and(e.own_accounts)
        INTO v_points, v_xp, v_own_accounts
        FROM earned e;
        -- The postings' total is zero whichever account they credit: a posting numbered into
        -- another learner's account would pass the ledger's triggers, so it is checked here.
        IF NOT v_own_accounts THEN
            RAISE EXCEPTION 'ledger_earn_many: a posting found another owner''s account'
                USING ERRCODE = 'internal_error';
        END IF;
        RETURN QUERY
        SELECT v_items[r.earn]::integer, v_transactions[r.earn], r.points, r.xp
        FROM unnest(v_points, v_xp) WITH ORDINALITY AS r(points, xp, earn);
    END $$
"""
OLD_SIGNATURE = (
    "campaign_grant_chunk(uuid, uuid, integer, bigint, text, jsonb, integer, timestamptz, integer)"
)
NEW_SIGNATURE = (
    "campaign_grant_chunk(uuid, uuid, uuid, integer, bigint, text, jsonb, integer, timestamptz, "
    "integer)"
)


def upgrade() -> None:
    op.execute(EARN_MANY)
    op.execute(f"DROP FUNCTION {OLD_SIGNATURE}")
    op.execute(GRANT_CHUNK)


def downgrade() -> None:
    op.execute(revision_module("0037").EARN_MANY)
    op.execute(f"DROP FUNCTION {NEW_SIGNATURE}")
    op.execute(revision_module("0032").GRANT_CHUNK)
