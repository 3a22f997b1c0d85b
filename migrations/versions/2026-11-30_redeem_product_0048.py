"""vouchers: a redemption reads its product inside the one statement it sends

`voucher_redeem_product` reads the product, checks that the caller may redeem it now and that
stock is left, and runs `voucher_redeem_keyed` (migration 0043) with the product's own columns:
the voucher's snapshot, the price, the per-user limit, the debit's reason and the expiry. A
redemption was the product read then that call, two round trips through a busy event loop;
now it is one.

The eligibility it checks is `gamification/vouchers/eligibility.py`'s, which stays the
specification (tests hold the two equal), as `voucher_eligible`: the sale window, the
suitability rule (a Cn investor may redeem products up to Rn), the lifecycle stages, and a
required course among `p_completed_courses` (NULL: not asked; the api asks the learning domain
only when a product needs it, and then calls again). Refused as `not-eligible`, the api reads
the product to word why (the rare path); a product that does not exist is `product-not-found`;
one with no stock left is `out-of-stock` before anything is claimed or locked, so a sold-out
storm costs one read each. None of these writes anything. Besides the outcome and the answer
it returns the product's kind, price and per-user limit, what the api's metrics and refusals
name.

Revision ID: 0048
Revises: 0047
Create Date: 2026-11-30 16:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0048"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VOUCHER_ELIGIBLE = """
CREATE FUNCTION voucher_eligible(
    p voucher_product, p_now timestamptz, p_risk_profile text, p_lifecycle_stage text,
    p_completed_courses text[]
) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT (p.sale_starts_at IS NULL OR p.sale_starts_at <= p_now)
       AND (p.sale_ends_at IS NULL OR p_now < p.sale_ends_at)
       AND (p.product_risk_level IS NULL
            OR (p_risk_profile IS NOT NULL
                AND substr(p.product_risk_level, 2)::integer
                    <= substr(p_risk_profile, 2)::integer))
       AND (cardinality(p.lifecycle_stages) = 0 OR p_lifecycle_stage = ANY (p.lifecycle_stages))
       AND (p.required_course_slug IS NULL
            OR coalesce(p.required_course_slug = ANY (p_completed_courses), false))
$$
"""

VOUCHER_REDEEM_PRODUCT = """
CREATE FUNCTION voucher_redeem_product(
    p_record_id uuid, p_caller text, p_route text, p_key text, p_request_hash text,
    p_context jsonb, p_voucher_id uuid, p_code text, p_product_id uuid, p_user_id uuid,
    p_risk_profile text, p_lifecycle_stage text, p_completed_courses text[], p_now timestamptz,
    p_day date, p_cap_day date, p_daily_cap bigint, p_lot_days integer, p_daily_quests integer,
    p_highest_tier integer, p_cohort_size integer, p_expiring_before timestamptz,
    OUT outcome text, OUT answer text, OUT kind text, OUT points_price bigint,
    OUT per_user_limit integer)
LANGUAGE plpgsql AS $$
DECLARE
    p voucher_product;
    r record;
BEGIN
    SELECT * INTO p FROM voucher_product WHERE id = p_product_id;
    IF NOT FOUND THEN
        outcome := 'product-not-found';
        RETURN;
    END IF;
    kind := p.kind;
    points_price := p.points_price;
    per_user_limit := p.per_user_limit;
    IF NOT voucher_eligible(p, p_now, p_risk_profile, p_lifecycle_stage, p_completed_courses)
    THEN
        outcome := 'not-eligible';
        RETURN;
    END IF;
    IF p.remaining_stock <= 0 THEN
        outcome := 'out-of-stock';
        RETURN;
    END IF;
    -- The debit's reason is what the ledger history words in each locale; a validity day is
    -- 24 hours, whatever the session's time zone.
    SELECT * INTO r
      FROM voucher_redeem_keyed(
        p_record_id, p_caller, p_route, p_key, p_request_hash, p_context, p_voucher_id, p_code,
        p.id, p_user_id, p.per_user_limit, p.points_price, p.kind, p.title, p.title_en,
        p.terms,
        jsonb_build_object('code', 'voucher_redeemed', 'sku', p.sku, 'title', p.title,
                           'voucher_id', p_voucher_id::text)
          || CASE WHEN coalesce(p.title_en, '') <> ''
                  THEN jsonb_build_object('title_en', p.title_en) ELSE '{}'::jsonb END,
        p_now, p_now + make_interval(hours => 24 * p.validity_days), p_day, p_cap_day,
        p_daily_cap, p_lot_days, p_daily_quests, p_highest_tier, p_cohort_size,
        p_expiring_before);
    outcome := r.outcome;
    answer := r.answer;
END $$
"""


def upgrade() -> None:
    op.execute(VOUCHER_ELIGIBLE)
    op.execute(VOUCHER_REDEEM_PRODUCT)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION voucher_redeem_product(uuid, text, text, text, text, jsonb, uuid, text, "
        "uuid, uuid, text, text, text[], timestamptz, date, date, bigint, integer, integer, "
        "integer, integer, timestamptz)"
    )
    op.execute("DROP FUNCTION voucher_eligible(voucher_product, timestamptz, text, text, text[])")
