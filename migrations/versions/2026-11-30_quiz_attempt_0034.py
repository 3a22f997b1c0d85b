"""quiz attempt in one statement; one definition of the campaign multiplier in force; a
redemption's wallet read inside `voucher_redeem`

A quiz attempt wrote through three functions called one after the other from Python
(`quiz_attempt_record`, `reward_award`, `engagement_record`), with a read of the learner's
campaign multipliers between them and a read of the wallet after quests: five to six round
trips inside the transaction. `quiz_attempt_submit` does all of it in one: the attempt (its
daily allowance, the stored answers, the lesson's first pass and first perfect score), the
events those make (`courses/events.py`, `gamification/rewards/rules.occurrence_of`), their
rewards under the multipliers in force, the streak and the XP (`reward_award`), the engagement
counters, badges, quests and league week they feed (`gamification/rewards/service._tally`,
`engagement_record`) and the wallet after it all. The grading stays in Python, on the answer
key the route read (it names every problem of a submission in the caller's words).

The multiplier in force was written twice: `gamification/campaigns/multipliers.py` in Python
for the rules, and inline in `engagement_record` for quests (which also let a factor below 1
reduce quest points while the rules never went below 1). `campaign_multipliers_in_force` is
now the one definition, per rule kind the largest factor of the campaigns (not cancelled)
covering the moment, never below 1; Python reads it, `engagement_record` and
`quiz_attempt_submit` call it.

A redemption read the wallet (balances and streak) after `voucher_redeem` returned, one more
round trip while its transaction held the product's stock row, which every redeemer of the
product shares. `voucher_redeem` now reads it itself, after the engagement report (whose quests
may pay) and before it takes the stock, and returns it: the row lock is held from the stock
update to the commit with one round trip less inside it.

`campaign_multiplier`'s CHECK now asks what campaign definitions always asked, a factor above 1
(and at most 3): a factor at or below 1 granted nothing once the multiplier in force is never
below 1, so rows holding one (none a definition could make) are deleted first.

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-30 10:45:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Per rule kind a learner's campaigns name: the largest factor in force at `p_now` (campaigns
# never compound), never below 1. Kinds not listed are multiplied by 1.
MULTIPLIERS_IN_FORCE = """
CREATE FUNCTION campaign_multipliers_in_force(p_user_id uuid, p_now timestamptz)
RETURNS TABLE (kind text, factor numeric) LANGUAGE sql STABLE AS $$
    SELECT r.kind, GREATEST(max(m.factor), 1)
      FROM campaign_multiplier m
      JOIN campaign c ON c.id = m.campaign_id
     CROSS JOIN LATERAL unnest(m.rules) AS r(kind)
     WHERE m.user_id = p_user_id AND m.starts_at <= p_now AND m.ends_at > p_now
       AND c.status <> 'cancelled'
     GROUP BY r.kind
$$
"""

# Migration 0029's engagement_record, with `{quest_factor}` where quests read their
# multiplier (the statement setting v_factor).
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
    INSERT INTO badge_award (user_id, badge_id, earned_at)
    SELECT p_user_id, b.id, p_now
      FROM badge b
     WHERE b.enabled AND b.counter = ANY(p_touched) AND b.counter <> 'monthly_challenge'
       AND COALESCE(CASE WHEN b.window_days IS NULL THEN
               (SELECT c.value FROM engagement_counter c
                 WHERE c.user_id = p_user_id AND c.kind = b.counter)
           ELSE
               (SELECT sum(d.count) FROM engagement_day_count d
                 WHERE d.user_id = p_user_id AND d.kind = b.counter
                   AND d.day > p_day - b.window_days)
           END, 0) >= b.target
    ON CONFLICT DO NOTHING;
    FOR v_quest IN
        SELECT q.* FROM quest_drawn(p_user_id, p_day, p_daily_quests) q
         WHERE q.kind = ANY(p_day_kinds)
           AND (SELECT COALESCE(sum(d.count), 0) FROM engagement_day_count d
                 WHERE d.user_id = p_user_id AND d.kind = q.kind
                   AND d.day BETWEEN q.period_start AND p_day) >= q.target
         ORDER BY q.id COLLATE "C"
    LOOP
        -- A points multiplier campaign naming the `quest` rule scales quest points (rounded
        -- down as the rules' are; the daily cap still applies in quest_complete).
        IF v_factor IS NULL THEN
            {quest_factor}
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
        -- Not paid: completed before, or by a concurrent event that committed first.
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
QUEST_FACTOR = """SELECT COALESCE(max(m.factor), 1) INTO v_factor
              FROM campaign_multiplier m JOIN campaign c ON c.id = m.campaign_id
             WHERE m.user_id = p_user_id AND m.starts_at <= p_now AND m.ends_at > p_now
               AND c.status <> 'cancelled' AND 'quest' = ANY(m.rules);"""
QUEST_FACTOR_IN_FORCE = """v_factor := COALESCE(
                (SELECT f.factor FROM campaign_multipliers_in_force(p_user_id, p_now) f
                  WHERE f.kind = 'quest'), 1);"""

# One graded attempt and everything it pays, in the order the Python path took: the attempt
# (`quiz_attempt_record`: NULL attempts_used when the day's allowance is spent, and then
# nothing else happens), its first pass and first perfect score as reward events, their rules'
# points under the multipliers in force with the day counted for the streak (`reward_award`),
# the engagement batch they make (counters, badges, quests, league XP: `engagement_record`),
# and the wallet. `rewards` lists the rules' rewards then the quests' ({kind: "quest", ...}).
QUIZ_ATTEMPT_SUBMIT = """
CREATE FUNCTION quiz_attempt_submit(
    p_user_id uuid, p_lesson_id uuid, p_course_id uuid, p_course_slug text, p_version_id uuid,
    p_cap integer, p_attempt_id uuid, p_answers jsonb, p_correct text[], p_score integer,
    p_max_score integer, p_passed boolean, p_known_passed boolean, p_known_perfect boolean,
    p_now timestamptz, p_today date, p_cap_day date, p_daily_cap bigint, p_lot_days integer,
    p_expiring_before timestamptz, p_daily_quests integer, p_highest_tier integer,
    p_cohort_size integer,
    OUT attempts_used integer, OUT first_pass boolean, OUT first_perfect boolean,
    OUT rewards jsonb, OUT streak_current integer, OUT streak_longest integer,
    OUT streak_freezes integer, OUT streak_last_active_on date, OUT streak_run_started_on date,
    OUT points bigint, OUT xp bigint, OUT expiring_points bigint[], OUT expiring_at timestamptz[]
) LANGUAGE plpgsql AS $$
DECLARE
    v_kinds text[] := '{}';
    v_keys text[] := '{}';
    v_details jsonb := jsonb_build_object('course', p_course_slug,
                                          'lesson_id', p_lesson_id::text);
    v_multiplier_kinds text[];
    v_multipliers numeric[];
    v_kept boolean;
    v_counted text[];
    v_lifetime_kinds text[];
    v_lifetime_values bigint[];
    v_league_xp bigint;
    v_quest record;
    v_quests boolean := false;
BEGIN
    SELECT r.attempts_used, r.first_pass, r.first_perfect
      INTO attempts_used, first_pass, first_perfect
      FROM quiz_attempt_record(p_user_id, p_lesson_id, p_course_id, p_version_id, p_cap_day,
                               p_cap, p_attempt_id, p_answers, p_correct, p_score, p_max_score,
                               p_passed, p_known_passed, p_known_perfect, p_now) r;
    IF attempts_used IS NULL THEN
        RETURN;
    END IF;
    -- courses/events.QuizPassed, QuizPerfect: their keys; rules.occurrence_of: the rest.
    IF first_pass THEN
        v_kinds := v_kinds || 'quiz_passed'::text;
        v_keys := v_keys || format('quiz-passed:%s:%s', p_user_id, p_lesson_id);
    END IF;
    IF first_perfect THEN
        v_kinds := v_kinds || 'quiz_perfect'::text;
        v_keys := v_keys || format('quiz-perfect:%s:%s', p_user_id, p_lesson_id);
    END IF;
    SELECT COALESCE(array_agg(m.kind), '{}'), COALESCE(array_agg(m.factor), '{}')
      INTO v_multiplier_kinds, v_multipliers
      FROM campaign_multipliers_in_force(p_user_id, p_now) m;
    SELECT a.rewards, a.streak_current, a.streak_longest, a.streak_freezes,
           a.streak_last_active_on, a.streak_run_started_on, a.points, a.xp,
           a.expiring_points, a.expiring_at
      INTO rewards, streak_current, streak_longest, streak_freezes, streak_last_active_on,
           streak_run_started_on, points, xp, expiring_points, expiring_at
      FROM reward_award(p_user_id, p_now, p_today, p_cap_day, true, v_kinds,
                        array_fill('lesson:' || p_lesson_id, ARRAY[cardinality(v_kinds)]),
                        v_keys, array_fill(p_attempt_id::text, ARRAY[cardinality(v_kinds)]),
                        array_fill(v_details, ARRAY[cardinality(v_kinds)]),
                        v_multiplier_kinds, v_multipliers, p_daily_cap, p_lot_days,
                        p_expiring_before) a;
    -- gamification/rewards/service._tally and engagement/kinds.learning_counters, tally: the
    -- events' counters and, on a day counted for the streak, `streak_kept` and the longest run.
    v_kept := streak_last_active_on IS NOT NULL AND streak_last_active_on >= p_today;
    v_counted := ARRAY(
        SELECT c.kind FROM (VALUES ('quizzes_passed', first_pass),
                                   ('quiz_perfect', first_perfect),
                                   ('streak_kept', v_kept)) AS c(kind, counted)
         WHERE c.counted ORDER BY c.kind COLLATE "C");
    SELECT COALESCE(array_agg(l.kind ORDER BY l.kind COLLATE "C"), '{}'),
           COALESCE(array_agg(l.value ORDER BY l.kind COLLATE "C"), '{}')
      INTO v_lifetime_kinds, v_lifetime_values
      FROM (SELECT k.kind, 1::bigint AS value FROM unnest(v_counted) AS k(kind)
             WHERE k.kind <> 'streak_kept'
            UNION ALL
            SELECT 'longest_streak', streak_longest WHERE v_kept AND streak_longest > 0) l;
    v_league_xp := (SELECT COALESCE(sum((r ->> 'xp')::bigint), 0)
                      FROM jsonb_array_elements(rewards) r);
    IF cardinality(v_counted) = 0 AND v_league_xp <= 0 THEN
        RETURN;
    END IF;
    FOR v_quest IN
        SELECT * FROM engagement_record(
            p_user_id, v_counted, array_fill(1, ARRAY[cardinality(v_counted)]),
            ARRAY['streak_kept'], v_lifetime_kinds, v_lifetime_values, ARRAY['longest_streak'],
            ARRAY(SELECT t.kind FROM (SELECT unnest(v_counted) UNION
                                      SELECT unnest(v_lifetime_kinds)) AS t(kind)
                   ORDER BY t.kind COLLATE "C"),
            p_today, p_cap_day, p_daily_cap, p_lot_days, p_now, p_daily_quests, v_league_xp,
            p_highest_tier, p_cohort_size)
    LOOP
        v_quests := true;
        rewards := rewards || jsonb_build_array(jsonb_build_object(
            'kind', 'quest', 'points', v_quest.points, 'xp', v_quest.xp,
            'reason', v_quest.reason));
    END LOOP;
    IF v_quests THEN  -- they moved the balances
        SELECT b.points, b.xp, b.expiring_points, b.expiring_at
          INTO points, xp, expiring_points, expiring_at
          FROM ledger_balances(p_user_id, p_now, p_expiring_before) b;
    END IF;
END $$
"""
# Migration 0029's redemption, with `{wallet_*}` where this one reads the wallet after it
# (`ledger_balances` and the streak row, as `gamification/rewards/service.wallet` reads them)
# before it takes the stock, and returns it.
VOUCHER_REDEEM = """
CREATE FUNCTION voucher_redeem(
    p_voucher_id uuid, p_code text, p_product_id uuid, p_user_id uuid,
    p_per_user_limit integer, p_points_price bigint, p_kind text, p_title text,
    p_title_en text, p_terms jsonb, p_reason jsonb, p_now timestamptz,
    p_expires_at timestamptz, p_day date, p_cap_day date, p_daily_cap bigint,
    p_lot_days integer, p_daily_quests integer, p_highest_tier integer, p_cohort_size integer,
    {wallet_parameter}OUT outcome text, OUT debit_transaction_id uuid, OUT points_balance bigint{wallet_columns}
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
    PERFORM engagement_report(p_user_id, 'vouchers_redeemed', v_reference, p_day, p_cap_day,
                              p_daily_cap, p_lot_days, p_now, p_daily_quests, p_highest_tier,
                              p_cohort_size);{wallet_read}
    UPDATE voucher_product SET remaining_stock = remaining_stock - 1
    WHERE id = p_product_id AND remaining_stock > 0;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'out-of-stock' USING ERRCODE = 'IQ409';
    END IF;
    outcome := 'redeemed';
EXCEPTION WHEN SQLSTATE 'IQ409' THEN
    outcome := SQLERRM;
    debit_transaction_id := NULL;
    points_balance := NULL;{wallet_cleared}
END $$
"""
WALLET = {
    "wallet_parameter": "p_expiring_before timestamptz,\n    ",
    "wallet_columns": """,
    OUT points bigint, OUT xp bigint, OUT expiring_points bigint[],
    OUT expiring_at timestamptz[], OUT streak_current integer, OUT streak_longest integer,
    OUT streak_freezes integer, OUT streak_last_active_on date, OUT streak_run_started_on date""",
    "wallet_read": """
    SELECT b.points, b.xp, b.expiring_points, b.expiring_at
      INTO points, xp, expiring_points, expiring_at
      FROM ledger_balances(p_user_id, p_now, p_expiring_before) b;
    SELECT s.current, s.longest, s.freezes, s.last_active_on, s.run_started_on
      INTO streak_current, streak_longest, streak_freezes, streak_last_active_on,
           streak_run_started_on
      FROM reward_streak s WHERE s.user_id = p_user_id;""",
    # A refusal returns no wallet (the caller's answer is the refusal).
    "wallet_cleared": """
    points := NULL;
    xp := NULL;
    expiring_points := NULL;
    expiring_at := NULL;
    streak_current := NULL;
    streak_longest := NULL;
    streak_freezes := NULL;
    streak_last_active_on := NULL;
    streak_run_started_on := NULL;""",
}
WITHOUT_WALLET = dict.fromkeys(WALLET, "")
REDEEM_0029 = (
    "voucher_redeem(uuid, text, uuid, uuid, integer, bigint, text, text, text, jsonb, jsonb, "
    "timestamptz, timestamptz, date, date, bigint, integer, integer, integer, integer)"
)
REDEEM = REDEEM_0029.replace("integer)", "integer, timestamptz)")
QUIZ_ATTEMPT_SUBMIT_SIGNATURE = (
    "quiz_attempt_submit(uuid, uuid, uuid, text, uuid, integer, uuid, jsonb, text[], integer, "
    "integer, boolean, boolean, boolean, timestamptz, date, date, bigint, integer, timestamptz, "
    "integer, integer, integer)"
)


FACTOR_CHECK_0023 = ("factor_at_most_3", "factor > 0 AND factor <= 3")
FACTOR_CHECK = ("factor_over_1_at_most_3", "factor > 1 AND factor <= 3")


def _replace_factor_check(old: tuple[str, str], new: tuple[str, str]) -> None:
    op.drop_constraint(op.f(f"ck_campaign_multiplier_{old[0]}"), "campaign_multiplier")
    op.create_check_constraint(
        op.f(f"ck_campaign_multiplier_{new[0]}"), "campaign_multiplier", new[1]
    )


def upgrade() -> None:
    op.execute("DELETE FROM campaign_multiplier WHERE factor <= 1")
    _replace_factor_check(FACTOR_CHECK_0023, FACTOR_CHECK)
    op.execute(MULTIPLIERS_IN_FORCE)
    op.execute(ENGAGEMENT_RECORD.replace("{quest_factor}", QUEST_FACTOR_IN_FORCE))
    op.execute(QUIZ_ATTEMPT_SUBMIT)
    op.execute(f"DROP FUNCTION {REDEEM_0029}")
    op.execute(VOUCHER_REDEEM.format(**WALLET))


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {REDEEM}")
    op.execute(VOUCHER_REDEEM.format(**WITHOUT_WALLET))
    op.execute(f"DROP FUNCTION {QUIZ_ATTEMPT_SUBMIT_SIGNATURE}")
    op.execute(ENGAGEMENT_RECORD.replace("{quest_factor}", QUEST_FACTOR))
    op.execute("DROP FUNCTION campaign_multipliers_in_force(uuid, timestamptz)")
    _replace_factor_check(FACTOR_CHECK, FACTOR_CHECK_0023)
