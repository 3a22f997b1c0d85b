"""contest order reported: placing a contest order and reporting it to the quests, badges and
league is one statement

The order route called `contest_place_order` (migration 0025) and then `engagement_report`
(migration 0029) for the `practice_order` event: two statements inside BEGIN ... COMMIT, four
round trips an order. `contest_place_order_reported` calls the one and then, for an order
placed and not rejected, the other, under the reference `order:{id}` the route used; so the
route sends one statement and needs no transaction of its own (a statement is atomic), one
round trip an order. A replayed `client_order_id` reports nothing again: the order it returns
was reported when it was placed. The locks are taken in the order the route took them: the
entry row (the order rate), the position, then the learner's engagement rows.

Revision ID: 0034_orders
Revises: 0033
Create Date: 2026-11-30 10:40:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034_orders"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTEST_PLACE_ORDER_REPORTED = """
CREATE FUNCTION contest_place_order_reported(
    p_contest_id uuid, p_user_id uuid, p_order_id uuid, p_fill_id uuid,
    p_client_order_id text, p_request_hash text, p_symbol text, p_side text, p_type text,
    p_quantity bigint, p_limit_price numeric, p_now timestamptz, p_per_minute integer,
    p_market_open boolean, p_trading_day date, p_day_closes_at timestamptz,
    p_day date, p_cap_day date, p_daily_cap bigint, p_lot_days integer,
    p_daily_quests integer, p_highest_tier integer, p_cohort_size integer,
    OUT outcome text, OUT retry_after integer, OUT placed contest_order
) LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM contest_place_order(
        p_contest_id, p_user_id, p_order_id, p_fill_id, p_client_order_id, p_request_hash,
        p_symbol, p_side, p_type, p_quantity, p_limit_price, p_now, p_per_minute,
        p_market_open, p_trading_day, p_day_closes_at);
    outcome := r.outcome;
    retry_after := r.retry_after;
    placed := r.placed;
    IF outcome = 'placed' AND placed.status <> 'rejected' THEN
        PERFORM engagement_report(p_user_id, 'practice_order', 'order:' || placed.id, p_day,
                                  p_cap_day, p_daily_cap, p_lot_days, p_now, p_daily_quests,
                                  p_highest_tier, p_cohort_size);
    END IF;
END $$
"""
SIGNATURE = (
    "contest_place_order_reported(uuid, uuid, uuid, uuid, text, text, text, text, text, bigint,"
    " numeric, timestamptz, integer, boolean, date, timestamptz, date, date, bigint, integer,"
    " integer, integer, integer)"
)


def upgrade() -> None:
    op.execute(CONTEST_PLACE_ORDER_REPORTED)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {SIGNATURE}")
