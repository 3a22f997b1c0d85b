"""vouchers: a redemption, its Idempotency-Key and its stored answer in one statement

`voucher_redeem_keyed` claims the key (`idempotency_record`), runs `voucher_redeem` and, when it
redeemed, stores with the key what the api renders the answer from (the caller's context, the
voucher and the wallet after), all in the one statement the route sends. The route runs it
without BEGIN and COMMIT (autocommit), so the rows every redeemer of a product shares, its stock
row above all, are locked only inside the server, from the stock update to the statement's own
commit, never across a round trip to the app and back (before: the response store and COMMIT,
two trips through a busy event loop, with the stock row locked).

- A key claimed before (committed, or in a concurrent statement that then commits) answers
  `key-used` and writes nothing: the api replays the stored answer. A concurrent duplicate
  waits on the unique key until the first statement ends, as it waited on the transaction.
- A refusal (limit, points, stock) or a taken code writes nothing, its claim included: the api
  stores the refusal with its key in one statement of its own (or replays an answer stored
  meanwhile), and draws a new code for a taken one.

The stored answer's media type `application/vnd.investquest.answer+json` tells the replay to
render it (api/idempotency.py); the first answer is rendered from the same text, so a replay
is the same bytes.

Revision ID: 0043
Revises: 0042
Create Date: 2026-11-30 13:55:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VOUCHER_REDEEM_KEYED = """
CREATE FUNCTION voucher_redeem_keyed(
    p_record_id uuid, p_caller text, p_route text, p_key text, p_request_hash text,
    p_context jsonb,
    p_voucher_id uuid, p_code text, p_product_id uuid, p_user_id uuid, p_per_user_limit integer,
    p_points_price bigint, p_kind text, p_title text, p_title_en text, p_terms jsonb,
    p_reason jsonb, p_now timestamptz, p_expires_at timestamptz, p_day date, p_cap_day date,
    p_daily_cap bigint, p_lot_days integer, p_daily_quests integer, p_highest_tier integer,
    p_cohort_size integer, p_expiring_before timestamptz,
    OUT outcome text, OUT answer text)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    INSERT INTO idempotency_record (id, caller, route, key, request_hash, created_at)
    VALUES (p_record_id, p_caller, p_route, p_key, p_request_hash, p_now)
    ON CONFLICT (caller, route, key) DO NOTHING;
    IF NOT FOUND THEN
        outcome := 'key-used';
        RETURN;
    END IF;
    SELECT * INTO r
      FROM voucher_redeem(p_voucher_id, p_code, p_product_id, p_user_id, p_per_user_limit,
                          p_points_price, p_kind, p_title, p_title_en, p_terms, p_reason, p_now,
                          p_expires_at, p_day, p_cap_day, p_daily_cap, p_lot_days,
                          p_daily_quests, p_highest_tier, p_cohort_size, p_expiring_before);
    outcome := r.outcome;
    IF outcome <> 'redeemed' THEN
        DELETE FROM idempotency_record WHERE id = p_record_id;
        RETURN;
    END IF;
    answer := (p_context || jsonb_build_object(
        'voucher', jsonb_build_object(
            'id', p_voucher_id, 'code', p_code, 'product_id', p_product_id,
            'user_id', p_user_id, 'kind', p_kind, 'title', p_title, 'title_en', p_title_en,
            'terms', p_terms, 'points_price', p_points_price, 'issued_at', p_now,
            'expires_at', p_expires_at, 'debit_transaction_id', r.debit_transaction_id),
        'wallet', jsonb_build_object(
            'points', r.points, 'xp', r.xp, 'expiring_points', r.expiring_points,
            'expiring_at', r.expiring_at, 'streak_current', r.streak_current,
            'streak_longest', r.streak_longest, 'streak_freezes', r.streak_freezes,
            'streak_last_active_on', r.streak_last_active_on,
            'streak_run_started_on', r.streak_run_started_on)))::text;
    UPDATE idempotency_record
       SET status_code = 201, response_body = answer,
           media_type = 'application/vnd.investquest.answer+json'
     WHERE id = p_record_id;
END $$
"""


def upgrade() -> None:
    op.execute(VOUCHER_REDEEM_KEYED)


def downgrade() -> None:
    op.execute("DROP FUNCTION voucher_redeem_keyed")
