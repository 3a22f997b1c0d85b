"""money functions: an earn, a bulk award, a spend and a voucher redemption each run as one
PL/pgSQL function, so the app sends one prebuilt statement instead of one per row it writes

The tables keep every invariant they had (the deferred zero-sum trigger, the balance CHECK,
the append-only triggers, the unique keys and codes); the functions only write the rows the
Python code wrote before, in the same lock order: the per-user counter, then the user's
account, then its lots, then the voucher, and the product's stock row last.

A refusal (`insufficient-points`, `out-of-stock`, `limit-reached`) is raised inside the
function with SQLSTATE IQ409 and caught by the function's own block, which undoes everything
the call wrote; the caller gets the refusal's code as `outcome` and an intact transaction.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 00:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The functions post to the system accounts by their fixed ids (migration 0004,
# gamification/ledger/accounts.py): ...0001 issuance of points, ...0002 redemption of points,
# ...0004 issuance of XP.
FUNCTIONS = [
    # core/ids.py's time-ordered UUID (version 7): 48 bits of Unix milliseconds, then random.
    """
    CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
        SELECT encode(
            set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
                substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)
                FROM 3) FROM 1 FOR 6), 52, 1), 53, 1),
            'hex')::uuid
    $$
    """,
    # Move `amount` (> 0) from a system account to the user's account in `currency` (opened
    # on first use): the two entries, and the user's balance after.
    """
    CREATE FUNCTION ledger_credit_user(
        p_transaction_id uuid, p_user_id uuid, p_currency text, p_amount bigint,
        p_from uuid, p_now timestamptz, OUT account_id uuid, OUT balance bigint
    ) LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    BEGIN
        UPDATE ledger_account SET balance = balance + p_amount
        WHERE user_id = p_user_id AND currency = p_currency
        RETURNING id, balance INTO account_id, balance;
        IF NOT FOUND THEN
            INSERT INTO ledger_account (id, kind, currency, user_id, balance, created_at)
            VALUES (uuid_v7(), 'user', p_currency, p_user_id, 0, now())
            ON CONFLICT (user_id, currency) WHERE user_id IS NOT NULL DO NOTHING;
            UPDATE ledger_account SET balance = balance + p_amount
            WHERE user_id = p_user_id AND currency = p_currency
            RETURNING id, balance INTO STRICT account_id, balance;
        END IF;
        INSERT INTO ledger_entry (id, transaction_id, account_id, amount, balance_after, created_at)
        VALUES (uuid_v7(), p_transaction_id, p_from, -p_amount, NULL, p_now),
               (uuid_v7(), p_transaction_id, account_id, p_amount, balance, p_now);
    END $$
    """,
    # The postings of a claimed earn: points (with a lot that expires after `p_lot_days` days
    # of 24 hours) and XP, each from its issuance account; the balances after (NULL: none).
    """
    CREATE FUNCTION ledger_post_earn(
        p_transaction_id uuid, p_user_id uuid, p_points bigint, p_xp bigint,
        p_now timestamptz, p_lot_days integer, OUT points_balance bigint, OUT xp_balance bigint
    ) LANGUAGE plpgsql AS $$
    DECLARE
        v_account uuid;
    BEGIN
        IF p_points > 0 THEN
            SELECT c.account_id, c.balance INTO v_account, points_balance
            FROM ledger_credit_user(p_transaction_id, p_user_id, 'points', p_points,
                                    '00000000-0000-7000-8000-000000000001', p_now) c;
            INSERT INTO ledger_lot
                (id, account_id, transaction_id, amount, remaining, earned_at, expires_at)
            VALUES (uuid_v7(), v_account, p_transaction_id, p_points, p_points, p_now,
                    p_now + make_interval(hours => 24 * p_lot_days));
        END IF;
        IF p_xp > 0 THEN
            SELECT c.balance INTO xp_balance
            FROM ledger_credit_user(p_transaction_id, p_user_id, 'xp', p_xp,
                                    '00000000-0000-7000-8000-000000000004', p_now) c;
        END IF;
    END $$
    """,
    # One earn (or refund, or adjustment upwards): no row when the key was already used, or
    # when there is nothing to post.
    """
    CREATE FUNCTION ledger_earn(
        p_key text, p_kind text, p_reference text, p_reason jsonb, p_user_id uuid,
        p_points bigint, p_xp bigint, p_now timestamptz, p_lot_days integer
    ) RETURNS TABLE (transaction_id uuid, points_balance bigint, xp_balance bigint)
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    BEGIN
        IF p_points < 0 OR p_xp < 0 THEN
            RAISE EXCEPTION 'earn amounts are never negative' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF p_points = 0 AND p_xp = 0 THEN
            RETURN;
        END IF;
        INSERT INTO ledger_transaction
            (id, idempotency_key, kind, reference, reason, reverses_id, created_at)
        VALUES (uuid_v7(), p_key, p_kind, p_reference, p_reason, NULL, p_now)
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id INTO transaction_id;
        IF NOT FOUND THEN
            RETURN;
        END IF;
        SELECT e.points_balance, e.xp_balance INTO points_balance, xp_balance
        FROM ledger_post_earn(transaction_id, p_user_id, p_points, p_xp, p_now, p_lot_days) e;
        RETURN NEXT;
    END $$
    """,
    # A bulk award, set-based: every earn's key claimed in one insert, in the order given (a
    # key repeated in the batch posts once, at its first place); the accounts locked in the
    # order of the earns (callers list users in id order, so concurrent awards cannot
    # deadlock), missing ones opened; then every balance moved, every entry and lot written by
    # one statement. One row per earn that posted, with its place (from 1) in the arrays.
    """
    CREATE FUNCTION ledger_earn_many(
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
    """,
    # Debit points from the user to `p_to`, taking the lots that expire soonest first and
    # never a lot past its expiry. The balance moves first: its conditional update locks the
    # account row before the lots are read (the lock order of every operation on lots).
    """
    CREATE FUNCTION ledger_debit_points(
        p_transaction_id uuid, p_user_id uuid, p_points bigint, p_to uuid, p_now timestamptz
    ) RETURNS bigint LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
        v_account uuid;
        v_balance bigint;
        v_left bigint := p_points;
        v_taken bigint;
        v_lot record;
    BEGIN
        UPDATE ledger_account SET balance = balance - p_points
        WHERE user_id = p_user_id AND currency = 'points' AND balance >= p_points
        RETURNING id, balance INTO v_account, v_balance;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'insufficient-points' USING ERRCODE = 'IQ409';
        END IF;
        FOR v_lot IN
            SELECT id, remaining FROM ledger_lot
            WHERE account_id = v_account AND remaining > 0 AND expires_at > p_now
            ORDER BY expires_at, id
            FOR UPDATE
        LOOP
            v_taken := least(v_lot.remaining, v_left);
            UPDATE ledger_lot SET remaining = remaining - v_taken WHERE id = v_lot.id;
            v_left := v_left - v_taken;
            EXIT WHEN v_left = 0;
        END LOOP;
        IF v_left > 0 THEN
            RAISE EXCEPTION 'insufficient-points' USING ERRCODE = 'IQ409';
        END IF;
        INSERT INTO ledger_entry (id, transaction_id, account_id, amount, balance_after, created_at)
        VALUES (uuid_v7(), p_transaction_id, v_account, -p_points, v_balance, p_now),
               (uuid_v7(), p_transaction_id, p_to, p_points, NULL, p_now);
        RETURN v_balance;
    END $$
    """,
    # A spend (or adjustment downwards) under its own key. outcome: `posted`, `already-posted`
    # (the key was used: nothing more happens) or `insufficient-points` (nothing written).
    """
    CREATE FUNCTION ledger_spend(
        p_key text, p_kind text, p_reference text, p_reason jsonb, p_user_id uuid,
        p_points bigint, p_to uuid, p_now timestamptz,
        OUT outcome text, OUT transaction_id uuid, OUT points_balance bigint
    ) LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    BEGIN
        IF p_points <= 0 THEN
            RAISE EXCEPTION 'a spend is positive' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        INSERT INTO ledger_transaction
            (id, idempotency_key, kind, reference, reason, reverses_id, created_at)
        VALUES (uuid_v7(), p_key, p_kind, p_reference, p_reason, NULL, p_now)
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id INTO transaction_id;
        IF NOT FOUND THEN
            outcome := 'already-posted';
            RETURN;
        END IF;
        points_balance := ledger_debit_points(transaction_id, p_user_id, p_points, p_to, p_now);
        outcome := 'posted';
    EXCEPTION WHEN SQLSTATE 'IQ409' THEN
        outcome := SQLERRM;
        transaction_id := NULL;
        points_balance := NULL;
    END $$
    """,
    # A voucher redemption, all or nothing: count against the per-user limit, debit the points
    # (key `voucher:{id}`), issue the voucher, take one unit of stock (the row every redeemer
    # of the product shares: locked last). outcome: `redeemed`, `limit-reached`,
    # `insufficient-points`, `out-of-stock` or `code-taken` (draw another code and call again).
    """
    CREATE FUNCTION voucher_redeem(
        p_voucher_id uuid, p_code text, p_product_id uuid, p_user_id uuid,
        p_per_user_limit integer, p_points_price bigint, p_kind text, p_title text,
        p_title_en text, p_terms jsonb, p_reason jsonb, p_now timestamptz,
        p_expires_at timestamptz,
        OUT outcome text, OUT debit_transaction_id uuid, OUT points_balance bigint
    ) LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
        v_reference text := 'voucher:' || p_voucher_id;
    BEGIN
        INSERT INTO voucher_user_count AS c (user_id, product_id, redeemed)
        VALUES (p_user_id, p_product_id, 1)
        ON CONFLICT (user_id, product_id) DO UPDATE SET redeemed = c.redeemed + 1
        WHERE c.redeemed < p_per_user_limit;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'limit-reached' USING ERRCODE = 'IQ409';
        END IF;
        INSERT INTO ledger_transaction
            (id, idempotency_key, kind, reference, reason, reverses_id, created_at)
        VALUES (uuid_v7(), v_reference, 'spend', v_reference, p_reason, NULL, p_now)
        RETURNING id INTO debit_transaction_id;
        points_balance := ledger_debit_points(
            debit_transaction_id, p_user_id, p_points_price, '00000000-0000-7000-8000-000000000002', p_now);
        INSERT INTO voucher (id, code, product_id, user_id, kind, title, title_en, terms,
                             points_price, status, issued_at, expires_at, debit_transaction_id)
        VALUES (p_voucher_id, p_code, p_product_id, p_user_id, p_kind, p_title, p_title_en,
                p_terms, p_points_price, 'issued', p_now, p_expires_at, debit_transaction_id)
        ON CONFLICT (code) DO NOTHING;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'code-taken' USING ERRCODE = 'IQ409';
        END IF;
        UPDATE voucher_product SET remaining_stock = remaining_stock - 1
        WHERE id = p_product_id AND remaining_stock > 0;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'out-of-stock' USING ERRCODE = 'IQ409';
        END IF;
        outcome := 'redeemed';
    EXCEPTION WHEN SQLSTATE 'IQ409' THEN
        outcome := SQLERRM;
        debit_transaction_id := NULL;
        points_balance := NULL;
    END $$
    """,
]

DROP_FUNCTIONS = [
    "DROP FUNCTION voucher_redeem(uuid, text, uuid, uuid, integer, bigint, text, text, text, "
    "jsonb, jsonb, timestamptz, timestamptz)",
    "DROP FUNCTION ledger_spend(text, text, text, jsonb, uuid, bigint, uuid, timestamptz)",
    "DROP FUNCTION ledger_debit_points(uuid, uuid, bigint, uuid, timestamptz)",
    "DROP FUNCTION ledger_earn_many(text, timestamptz, text[], text[], jsonb[], uuid[], "
    "bigint[], bigint[], integer[])",
    "DROP FUNCTION ledger_earn(text, text, text, jsonb, uuid, bigint, bigint, timestamptz, "
    "integer)",
    "DROP FUNCTION ledger_post_earn(uuid, uuid, bigint, bigint, timestamptz, integer)",
    "DROP FUNCTION ledger_credit_user(uuid, uuid, text, bigint, uuid, timestamptz)",
    "DROP FUNCTION uuid_v7()",
]


def upgrade() -> None:
    for statement in FUNCTIONS:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_FUNCTIONS:
        op.execute(statement)
