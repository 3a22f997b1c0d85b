"""engagement_defer in PL/pgSQL: its insert planned once per connection

`engagement_defer` (migration 0051) was a `LANGUAGE sql` function, called by `PERFORM` from
`contest_place_order_reported` and `voucher_redeem`: PostgreSQL parsed and planned its one
INSERT afresh on every call, a tenth of the server's CPU on the bench's market orders
(`perf`, 1 Dec: `fmgr_sql` under the order's PL/pgSQL call). As PL/pgSQL the insert runs on a
plan the connection keeps. The insert, and so the outbox rows, are migration 0051's unchanged
(restored on downgrade).

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-01 10:45:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

from api.migrations import revision_module

revision: str = "0053"
down_revision: str | None = "0052"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENGAGEMENT_DEFER = """
CREATE OR REPLACE FUNCTION engagement_defer(
    p_user_id uuid, p_kind text, p_reference text, p_day date, p_cap_day date,
    p_daily_cap bigint, p_lot_days integer, p_now timestamptz, p_daily_quests integer,
    p_highest_tier integer, p_cohort_size integer
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engagement_outbox (user_id, kind, reference, day, cap_day, occurred_at,
                                   daily_cap, lot_days, daily_quests, highest_tier, cohort_size)
    VALUES (p_user_id, p_kind, p_reference, p_day, p_cap_day, p_now, p_daily_cap, p_lot_days,
            p_daily_quests, p_highest_tier, p_cohort_size)
    ON CONFLICT DO NOTHING;
END $$
"""


def upgrade() -> None:
    op.execute(ENGAGEMENT_DEFER)


def downgrade() -> None:
    text: str = revision_module("0051").ENGAGEMENT_DEFER
    op.execute(text.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
