"""engagement outbox: a voucher redeemed and a practice order are counted after their commit

A redemption and a contest order counted their engagement (`engagement_report`: the event seen,
the day and lifetime counters, the badges, the quest draw and the quests it completes, the
league XP) inside the statement that moved the value: about a third of the redemption's server
time and half of the order's, on the two routes of the storm and the contest's busiest minute.

Now they leave it in `engagement_outbox`: one insert, keyed by (learner, kind, reference) as
`engagement_event_seen` is, in the same transaction as the value moved, so an event committed is
an event that will be counted and a refused one leaves nothing. The row keeps what
`engagement_report` was given (the learner's day, the business day, the moment and the payout
knobs), so the event is counted later exactly as it would have been then.

`engagement_drain` counts pending events: it claims up to `p_limit` of them (one learner's, or
anyone's when `p_user_id` is NULL) with `FOR UPDATE SKIP LOCKED`, deletes them (and returns how
many it took), marks each
seen (`engagement_event_seen`, so an event is counted once whoever drains it and however often
it was reported), and hands each learner's newly seen events of a day to `engagement_record` as
one batch (its counts, badges, quests paid once by their completion key, league XP). All in the
caller's transaction: a drainer that fails or dies leaves the events pending for the next one,
and two drainers never claim the same row. Before a learner's batch it locks the learner's
ledger accounts (points, then XP), the order every other path takes them in before the
engagement rows (a lesson's reward, a quiz attempt), so a drain paying a quest cannot deadlock
with the learner's own request. The periodic job `engagement.drain` and the caller's own reads of
quests, badges and league (which drain their events first) call it.

Revision ID: 0051
Revises: 0050
Create Date: 2026-11-30 22:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.migrations import revision_module

revision: str = "0051"
down_revision: str | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `engagement_report`'s arguments, kept for the drain.
ENGAGEMENT_DEFER = """
CREATE FUNCTION engagement_defer(
    p_user_id uuid, p_kind text, p_reference text, p_day date, p_cap_day date,
    p_daily_cap bigint, p_lot_days integer, p_now timestamptz, p_daily_quests integer,
    p_highest_tier integer, p_cohort_size integer
) RETURNS void LANGUAGE sql AS $$
    INSERT INTO engagement_outbox (user_id, kind, reference, day, cap_day, occurred_at,
                                   daily_cap, lot_days, daily_quests, highest_tier, cohort_size)
    VALUES (p_user_id, p_kind, p_reference, p_day, p_cap_day, p_now, p_daily_cap, p_lot_days,
            p_daily_quests, p_highest_tier, p_cohort_size)
    ON CONFLICT DO NOTHING
$$
"""

# The events claimed and deleted, those not seen before, and per learner, day and knobs their
# kinds and counts; then each batch recorded, learner by learner. A data-modifying WITH cannot
# feed a loop's cursor, so the batches are gathered first.
ENGAGEMENT_DRAIN = """
CREATE FUNCTION engagement_drain(p_user_id uuid, p_limit integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_users uuid[];
    v_kinds text[];
    v_references text[];
    v_batches jsonb;
    b record;
BEGIN
    -- Two claims, so that a learner's is an index scan under a generic plan too.
    IF p_user_id IS NULL THEN
        SELECT array_agg(c.user_id), array_agg(c.kind), array_agg(c.reference)
          INTO v_users, v_kinds, v_references
          FROM (SELECT user_id, kind, reference FROM engagement_outbox
                 LIMIT p_limit FOR UPDATE SKIP LOCKED) AS c;
    ELSE
        SELECT array_agg(c.user_id), array_agg(c.kind), array_agg(c.reference)
          INTO v_users, v_kinds, v_references
          FROM (SELECT user_id, kind, reference FROM engagement_outbox
                 WHERE user_id = p_user_id
                 LIMIT p_limit FOR UPDATE SKIP LOCKED) AS c;
    END IF;
    IF v_users IS NULL THEN
        RETURN 0;
    END IF;
    WITH claimed AS (
        DELETE FROM engagement_outbox o
         USING unnest(v_users, v_kinds, v_references) AS c(user_id, kind, reference)
         WHERE (o.user_id, o.kind, o.reference) = (c.user_id, c.kind, c.reference)
        RETURNING o.*
    ), fresh AS (
        INSERT INTO engagement_event_seen (user_id, kind, reference, seen_at)
        SELECT user_id, kind, reference, occurred_at FROM claimed
        ON CONFLICT DO NOTHING
        RETURNING user_id, kind, reference
    ), kinds AS (
        SELECT c.user_id, c.day, c.cap_day, c.daily_cap, c.lot_days, c.daily_quests,
               c.highest_tier, c.cohort_size, c.kind, count(*)::integer AS n,
               max(c.occurred_at) AS occurred_at
          FROM claimed c JOIN fresh f USING (user_id, kind, reference)
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    )
    SELECT jsonb_agg(jsonb_build_object(
               'user_id', user_id, 'day', day, 'cap_day', cap_day, 'daily_cap', daily_cap,
               'lot_days', lot_days, 'daily_quests', daily_quests,
               'highest_tier', highest_tier, 'cohort_size', cohort_size, 'kinds', kinds,
               'counts', counts, 'occurred_at', occurred_at)
               ORDER BY user_id, day, cap_day)
      INTO v_batches
      FROM (SELECT user_id, day, cap_day, daily_cap, lot_days, daily_quests, highest_tier,
                   cohort_size, array_agg(kind ORDER BY kind) AS kinds,
                   array_agg(n ORDER BY kind) AS counts, max(occurred_at) AS occurred_at
              FROM kinds GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) g;
    FOR b IN
        SELECT * FROM jsonb_to_recordset(coalesce(v_batches, '[]')) AS x(
            user_id uuid, day date, cap_day date, daily_cap bigint, lot_days integer,
            daily_quests integer, highest_tier integer, cohort_size integer, kinds text[],
            counts integer[], occurred_at timestamptz)
    LOOP
        PERFORM 1 FROM ledger_account a
         WHERE a.user_id = b.user_id AND a.currency IN ('points', 'xp')
         ORDER BY a.currency
           FOR UPDATE;
        PERFORM 1 FROM engagement_record(
            b.user_id, b.kinds, b.counts, '{}', b.kinds, b.counts::bigint[], '{}', b.kinds,
            b.day, b.cap_day, b.daily_cap, b.lot_days, b.occurred_at, b.daily_quests, 0,
            b.highest_tier, b.cohort_size);
    END LOOP;
    RETURN cardinality(v_users);
END $$
"""

REPORT_CALL = "PERFORM engagement_report("
DEFER_CALL = "PERFORM engagement_defer("


def _redeem(report: str) -> str:
    before = revision_module("0034")
    body: str = before.VOUCHER_REDEEM.format(**before.WALLET)
    return body.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1).replace(
        REPORT_CALL, report
    )


def _order(report: str) -> str:
    body: str = revision_module("0035").CONTEST_PLACE_ORDER_REPORTED
    return body.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1).replace(
        REPORT_CALL, report
    )


def upgrade() -> None:
    op.create_table(
        "engagement_outbox",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cap_day", sa.Date(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("daily_cap", sa.BigInteger(), nullable=False),
        sa.Column("lot_days", sa.Integer(), nullable=False),
        sa.Column("daily_quests", sa.Integer(), nullable=False),
        sa.Column("highest_tier", sa.Integer(), nullable=False),
        sa.Column("cohort_size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_engagement_outbox_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", "reference", name=op.f("pk_engagement_outbox")),
    )
    op.execute(ENGAGEMENT_DEFER)
    op.execute(ENGAGEMENT_DRAIN)
    op.execute(_redeem(DEFER_CALL))
    op.execute(_order(DEFER_CALL))


def downgrade() -> None:
    # What is still pending is counted as the functions restored would have counted it.
    op.execute("SELECT engagement_drain(NULL, 2147483647)")
    op.execute(_order(REPORT_CALL))
    op.execute(_redeem(REPORT_CALL))
    op.execute("DROP FUNCTION engagement_drain(uuid, integer)")
    op.execute(
        "DROP FUNCTION engagement_defer(uuid, text, text, date, date, bigint, integer, "
        "timestamptz, integer, integer, integer)"
    )
    op.drop_table("engagement_outbox")
