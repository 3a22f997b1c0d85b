"""league_close: a league week's close without a quadratic join or a million key checks

1. The prizes' bulk earn without a quadratic join.


`ledger_earn_many` (migration 0032) walked each posting's balance by joining the postings to
the accounts its UPDATE returned. Both sides are CTEs, estimated at one row each when the
accounts were just opened in the same transaction (or their statistics are older than the
batch): PostgreSQL then joined them in a nested loop, comparing every posting with every
account. A league week's 10,002 prizes (100,000 members) spent 31.9 s of their 38.9 s there
(100,030,002 rows removed by the join filter, EXPLAIN ANALYZE through auto_explain); the
million-member week's 100,000 prizes would compare 10^10 pairs.

The UPDATE now returns, with each account's balance before, that account's postings (earns,
amounts and positions, as arrays in posting order), and the walk unnests them: no join left
to misplan. The function is otherwise migration 0032's (restored on downgrade).

2. `league_result`, `league_player` and `campaign_inbox_message` lose their foreign keys to
`user_account`. The close writes a million of each of the first and last (and the movers' tier)
from `league_member`, which keeps its key, and each row's key check was a lookup and a row lock
on `user_account` (a WAL record and a dirtied page per learner): 3.3 s of the 6.8 s the results
took at 100,000 members, 2.9 s of the 10.6 s of their inbox messages (EXPLAIN ANALYZE,
`Trigger for constraint`, load average 11). An account is never deleted (erasure blanks it and
deletes these rows by user id), so the checks guarded nothing but a poster's own bug.

Revision ID: 0037
Revises: 0036
Create Date: 2026-11-30 10:45:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

from api.migrations import revision_module

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
            FROM (SELECT account_id, sum(amount) AS total,
                         array_agg(earn ORDER BY position) AS earns,
                         array_agg(amount ORDER BY position) AS amounts,
                         array_agg(position ORDER BY position) AS positions
                    FROM postings GROUP BY account_id) t
            WHERE a.id = t.account_id
            RETURNING a.id AS account_id, a.currency, (a.balance - t.total)::bigint AS balance_before,
                      t.earns, t.amounts, t.positions
        ), walked AS (
            SELECT m.account_id, m.currency, x.earn, x.amount, x.position,
                   (m.balance_before + sum(x.amount)
                       OVER (PARTITION BY m.account_id ORDER BY x.position))::bigint
                       AS balance_after
            FROM moved m
            CROSS JOIN LATERAL unnest(m.earns, m.amounts, m.positions) AS x(earn, amount, position)
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


KEYS = {"league_result": "fk_league_result_user_id_user_account",
        "league_player": "fk_league_player_user_id_user_account",
        "campaign_inbox_message": "fk_campaign_inbox_message_user_id_user_account"}  # fmt: skip


def upgrade() -> None:
    op.execute(EARN_MANY)
    for table, name in KEYS.items():
        op.drop_constraint(name, table, type_="foreignkey")


def downgrade() -> None:
    op.execute(revision_module("0032").EARN_MANY)
    for table, name in KEYS.items():
        op.create_foreign_key(name, table, "user_account", ["user_id"], ["id"])
