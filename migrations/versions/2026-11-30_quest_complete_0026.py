"""quest_complete: a completed quest claimed and paid in one statement

`gamification/quests/service.py` claimed a quest's completion for its period (the
`quest_completion` row, once), took its points from the learner's global daily cap, earned them
through the ledger under the quest's reference, gave the cap back when a concurrent replay had
posted first, and stored what was paid: four or five statements. `quest_complete` does it in
one, with migration 0019's `reward_take_points` / `reward_give_back` and migration 0013's
`ledger_earn`, in the lock order of `reward_award` (the global cap row, then the ledger).

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 05:30:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `paid` is false when the completion was claimed before (nothing written); `points` is what the
# global daily cap let through (0 when the reference was posted already), `reason` the
# ledger's (with `capped_from` when capped).
QUEST_COMPLETE = """
CREATE FUNCTION quest_complete(
    p_user_id uuid, p_quest_id text, p_period_start date, p_points bigint, p_xp bigint,
    p_reference text, p_reason jsonb, p_cap_day date, p_daily_cap bigint, p_now timestamptz,
    p_lot_days integer,
    OUT paid boolean, OUT points bigint, OUT reason jsonb
) LANGUAGE plpgsql AS $$
DECLARE
    v_posted boolean;
BEGIN
    INSERT INTO quest_completion (user_id, quest_id, period_start, points, xp, completed_at)
    VALUES (p_user_id, p_quest_id, p_period_start, 0, p_xp, p_now)
    ON CONFLICT DO NOTHING;
    paid := FOUND;
    IF NOT paid THEN  -- completed before, or by a concurrent event that committed first
        RETURN;
    END IF;
    points := reward_take_points(p_user_id, p_cap_day, '*', p_points, p_daily_cap);
    reason := p_reason;
    IF points < p_points THEN
        reason := reason || jsonb_build_object('capped_from', p_points);
    END IF;
    SELECT EXISTS (
        SELECT 1 FROM ledger_earn(p_reference, 'earn', p_reference, reason, p_user_id, points,
                                  p_xp, p_now, p_lot_days)
    ) INTO v_posted;
    IF NOT v_posted THEN
        PERFORM reward_give_back(p_user_id, p_cap_day, '*', points);
        points := 0;
    END IF;
    UPDATE quest_completion SET points = quest_complete.points
    WHERE user_id = p_user_id AND quest_id = p_quest_id AND period_start = p_period_start;
END $$
"""


def upgrade() -> None:
    op.execute(QUEST_COMPLETE)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION quest_complete(uuid, text, date, bigint, bigint, text, jsonb, date, "
        "bigint, timestamptz, integer)"
    )
