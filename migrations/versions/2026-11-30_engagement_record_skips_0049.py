"""engagement_record skips what cannot change: quests already completed, badges already held

A learner's steady lesson completion (first badges earned, today's lesson quests done) made
`engagement_record` do work whose outcome was known in advance: it called `quest_complete` for
every drawn quest of the batch's kinds already at its target (its insert found the completion
row and paid nothing: one nested function call and one insert attempt per quest), and
re-evaluated every enabled badge over the touched counters with the ones already earned (each
an insert attempt that met its key).

Now a quest already completed for its period is not tried (`quest_completion` looked up by its
key; a concurrent event that completes it meanwhile is still stopped by the completion's key
inside `quest_complete`, so a quest is paid once as before), and a badge the learner holds is
not evaluated. Measured on the bench's completions database (1,000 learners in steady state,
each call in its own transaction, the backend's CPU time from /proc/<pid>/schedstat, the two
functions interleaved call by call): 0.88 -> 0.79 ms of server CPU a call (median of four
rounds). Skipping the rewrite of an unchanged day mark or maximum too was tried and dropped:
its filter made PostgreSQL plan the upsert afresh on every call, and forcing generic plans for
the whole function slowed the quest-paying path under the bench's concurrency. Everything else
is as migration 0034 wrote it (restored on downgrade).

Revision ID: 0049
Revises: 0048
Create Date: 2026-11-30 16:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

from api.migrations import revision_module

revision: str = "0049"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENGAGEMENT_RECORD = """
CREATE OR REPLACE FUNCTION engagement_record(
    p_user_id uuid, p_day_kinds text[], p_day_counts integer[], p_day_mark_kinds text[],
    p_kinds text[], p_values bigint[], p_maximum_kinds text[], p_touched text[], p_day date,
    p_cap_day date, p_daily_cap bigint, p_lot_days integer, p_now timestamptz,
    p_daily_quests integer, p_league_xp bigint, p_highest_tier integer, p_cohort_size integer
) RETURNS TABLE (quest_id text, points bigint, xp bigint, reason jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    v_quest record;
    v_paid record;
    v_xp bigint := p_league_xp;
    v_factor numeric;  -- the campaign multiplier of quest points, read at the first completion
BEGIN
    INSERT INTO engagement_day_count AS d (user_id, kind, day, count)
    SELECT p_user_id, t.kind, p_day, t.n FROM unnest(p_day_kinds, p_day_counts) AS t(kind, n)
    ON CONFLICT (user_id, kind, day) DO UPDATE SET count = CASE
        WHEN d.kind = ANY(p_day_mark_kinds) THEN GREATEST(d.count, EXCLUDED.count)
        ELSE d.count + EXCLUDED.count END;
    INSERT INTO engagement_counter AS c (user_id, kind, value)
    SELECT p_user_id, t.kind, t.n FROM unnest(p_kinds, p_values) AS t(kind, n)
    ON CONFLICT (user_id, kind) DO UPDATE SET value = CASE
        WHEN c.kind = ANY(p_maximum_kinds) THEN GREATEST(c.value, EXCLUDED.value)
        ELSE c.value + EXCLUDED.value END;
    -- Badges the learner holds are not evaluated again (the award's key still settles a race).
    INSERT INTO badge_award (user_id, badge_id, earned_at)
    SELECT p_user_id, b.id, p_now
      FROM badge b
     WHERE b.enabled AND b.counter = ANY(p_touched) AND b.counter <> 'monthly_challenge'
       AND NOT EXISTS (SELECT 1 FROM badge_award a
                        WHERE a.user_id = p_user_id AND a.badge_id = b.id)
       AND COALESCE(CASE WHEN b.window_days IS NULL THEN
               (SELECT c.value FROM engagement_counter c
                 WHERE c.user_id = p_user_id AND c.kind = b.counter)
           ELSE
               (SELECT sum(d.count) FROM engagement_day_count d
                 WHERE d.user_id = p_user_id AND d.kind = b.counter
                   AND d.day > p_day - b.window_days)
           END, 0) >= b.target
    ON CONFLICT DO NOTHING;
    -- Quests completed for their period are not tried again (`quest_complete` still claims the
    -- completion by its key, so a concurrent event's completion is paid once).
    FOR v_quest IN
        SELECT q.* FROM quest_drawn(p_user_id, p_day, p_daily_quests) q
         WHERE q.kind = ANY(p_day_kinds)
           AND NOT EXISTS (SELECT 1 FROM quest_completion c
                            WHERE c.user_id = p_user_id AND c.quest_id = q.id
                              AND c.period_start = q.period_start)
           AND (SELECT COALESCE(sum(d.count), 0) FROM engagement_day_count d
                 WHERE d.user_id = p_user_id AND d.kind = q.kind
                   AND d.day BETWEEN q.period_start AND p_day) >= q.target
         ORDER BY q.id COLLATE "C"
    LOOP
        -- A points multiplier campaign naming the `quest` rule scales quest points (rounded
        -- down as the rules' are; the daily cap still applies in quest_complete).
        IF v_factor IS NULL THEN
            v_factor := COALESCE(
                (SELECT f.factor FROM campaign_multipliers_in_force(p_user_id, p_now) f
                  WHERE f.kind = 'quest'), 1);
        END IF;
        SELECT * INTO v_paid
          FROM quest_complete(
                   p_user_id, v_quest.id, v_quest.period_start,
                   floor(v_quest.points * v_factor)::bigint, v_quest.xp,
                   'quest:' || to_char(v_quest.period_start, 'YYYY-MM-DD') || ':' || v_quest.id
                       || ':' || p_user_id,
                   jsonb_build_object('code', 'quest_completed', 'quest', v_quest.id,
                                      'title', COALESCE(v_quest.title ->> 'zh-CN', ''),
                                      'title_en', COALESCE(v_quest.title ->> 'en', '')),
                   p_cap_day, p_daily_cap, p_now, p_lot_days);
        -- Not paid: completed by a concurrent event that committed first.
        CONTINUE WHEN NOT v_paid.paid;
        INSERT INTO badge_award (user_id, badge_id, earned_at)
        SELECT p_user_id, b.id, p_now FROM badge b WHERE b.id = v_quest.badge_id AND b.enabled
        ON CONFLICT DO NOTHING;
        v_xp := v_xp + v_quest.xp;
        quest_id := v_quest.id;
        points := v_paid.points;
        xp := v_quest.xp;
        reason := v_paid.reason;
        RETURN NEXT;
    END LOOP;
    PERFORM league_add_xp(p_user_id, v_xp,
                          p_cap_day - (extract(isodow FROM p_cap_day)::integer - 1), p_now,
                          p_highest_tier, p_cohort_size);
END $$
"""


def upgrade() -> None:
    op.execute(ENGAGEMENT_RECORD)


def downgrade() -> None:
    before = revision_module("0034")
    op.execute(before.ENGAGEMENT_RECORD.replace("{quest_factor}", before.QUEST_FACTOR_IN_FORCE))
