"""write paths: the ledger's zero-sum check runs once per statement instead of once per entry
at commit; recording a quiz attempt and paying rewards for events are one function each
(`quiz_attempt_record`, `reward_award`)

The deferred constraint trigger of migration 0004 queued one event per ledger entry and ran,
at commit, one query per entry over its whole transaction: a bulk award of 100 earns ran 200 of
them. Every writer now inserts a transaction's entries in one statement (the money functions
of migration 0013 always did; `gamification/ledger/posting.apply` does too), so one
statement-level trigger checks, set-based, each transaction the statement wrote to: it sums to
zero in each currency, and user postings carry the balance after them while system postings
do not. The check is immediate, so stricter than before: a statement that leaves a transaction
unbalanced is refused at once, whether the transaction is new or was posted earlier.

`quiz_attempt_record` does in one statement what `courses/quizzes.py` did in three: take an
attempt from the learner's daily allowance (the conditional upsert of the day's counter, which
queues concurrent attempts), store the graded attempt, and record the lesson's first pass and
first perfect score (a perfect score counts only at the learner's first attempt at the quiz).

`ledger_balances` is the wallet's read of a user's balances, which `reward_award` returns too.

`reward_award` does in one statement what `gamification/rewards/service.award_for_events` did
in eight to fifteen: count the learner's day for the streak (the streak row locked first, as
before), add the streak's milestone, read the enabled rules, and for each payable occurrence
in order skip a key already paid, take the points from the daily caps (the global row, then
the rule's, giving back what the rule's refused), earn through `ledger_earn` under the
occurrence's key and give the caps back when a concurrent replay posted first. The Python
functions `record_active_day` and `grant_under_cap` remain its specification.

Revision ID: 0019
Revises: 0017
Create Date: 2026-11-30 04:30:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATEMENT_CHECK = [
    """
    CREATE FUNCTION ledger_entries_balance() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        v_id uuid;
    BEGIN
        SELECT n.id INTO v_id
        FROM new_entries n JOIN ledger_account a ON a.id = n.account_id
        WHERE (a.user_id IS NOT NULL) <> (n.balance_after IS NOT NULL)
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger entry % has a wrong balance_after', v_id
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT e.transaction_id INTO v_id
        FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
        WHERE e.transaction_id IN (SELECT DISTINCT n.transaction_id FROM new_entries n)
        GROUP BY e.transaction_id, a.currency
        HAVING sum(e.amount) <> 0
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger transaction % does not sum to zero', v_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ledger_entries_balance AFTER INSERT ON ledger_entry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_balance()
    """,
]

# The rewards of events, in the order given; the campaign multiplier of each kind that may be
# paid comes in `p_multiplier_kinds` / `p_multipliers` (1 for kinds not listed). One row:
# the rewards paid (a JSON array of {kind, points, xp, reason}), the streak row after it and
# the learner's balances after it (`ledger_balances`).
REWARD_AWARD = """
CREATE FUNCTION reward_award(
    p_user_id uuid, p_now timestamptz, p_today date, p_cap_day date, p_active boolean,
    p_kinds text[], p_references text[], p_keys text[], p_instances text[], p_details jsonb[],
    p_multiplier_kinds text[], p_multipliers numeric[], p_daily_cap bigint, p_lot_days integer,
    p_expiring_before timestamptz,
    OUT rewards jsonb, OUT streak_current integer, OUT streak_longest integer,
    OUT streak_freezes integer, OUT streak_last_active_on date, OUT streak_run_started_on date,
    OUT points bigint, OUT xp bigint, OUT expiring_points bigint[], OUT expiring_at timestamptz[]
) LANGUAGE plpgsql AS $$
DECLARE
    v_kinds text[] := p_kinds;
    v_references text[] := p_references;
    v_keys text[] := p_keys;
    v_instances text[] := p_instances;
    v_details jsonb[] := p_details;
    v_missed integer;
    v_counted boolean := false;
    v_rule reward_rule%ROWTYPE;
    v_key text;
    v_multiplier numeric;
    v_wanted bigint;
    v_granted bigint;
    v_allowed bigint;
    v_reason jsonb;
    v_posted boolean;
BEGIN
    rewards := '[]'::jsonb;
    IF p_active THEN
        SELECT s.current, s.longest, s.freezes, s.last_active_on, s.run_started_on
        INTO streak_current, streak_longest, streak_freezes, streak_last_active_on,
             streak_run_started_on
        FROM reward_streak s WHERE s.user_id = p_user_id FOR UPDATE;
        IF NOT FOUND THEN
            -- A first activity; a concurrent one may have created the row: lock and read it.
            INSERT INTO reward_streak AS s (user_id, current, longest, freezes, updated_at)
            VALUES (p_user_id, 0, 0, 0, p_now)
            ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id
            RETURNING s.current, s.longest, s.freezes, s.last_active_on, s.run_started_on
            INTO streak_current, streak_longest, streak_freezes, streak_last_active_on,
                 streak_run_started_on;
        END IF;
        -- gamification/rewards/streaks.record_active_day
        IF streak_last_active_on IS NULL OR p_today > streak_last_active_on THEN
            v_counted := true;
            v_missed := CASE WHEN streak_last_active_on IS NULL THEN NULL
                             ELSE greatest(0, p_today - streak_last_active_on - 1) END;
            IF v_missed IS NULL OR v_missed > streak_freezes THEN
                streak_current := 1;
                streak_run_started_on := p_today;
            ELSE
                streak_current := streak_current + 1;
                streak_freezes := streak_freezes - v_missed;
                streak_run_started_on := coalesce(streak_run_started_on, p_today);
            END IF;
            IF streak_current % 7 = 0 AND streak_freezes < 2 THEN
                streak_freezes := streak_freezes + 1;
            END IF;
            streak_longest := greatest(streak_longest, streak_current);
            streak_last_active_on := p_today;
            UPDATE reward_streak SET current = streak_current, longest = streak_longest,
                freezes = streak_freezes, last_active_on = streak_last_active_on,
                run_started_on = streak_run_started_on, updated_at = p_now
            WHERE user_id = p_user_id;
            IF streak_current IN (3, 7, 30, 100) THEN  -- streaks.MILESTONES, rules.streak_occurrence
                v_kinds := v_kinds || ('streak_' || streak_current);
                v_references := v_references || ('streak:' || streak_run_started_on);
                v_keys := v_keys || format('streak:%s:%s:%s', p_user_id, streak_run_started_on,
                                           streak_current);
                v_instances := v_instances || streak_run_started_on::text;
                v_details := v_details || jsonb_build_object('days', streak_current);
            END IF;
        END IF;
    ELSE
        SELECT s.current, s.longest, s.freezes, s.last_active_on, s.run_started_on
        INTO streak_current, streak_longest, streak_freezes, streak_last_active_on,
             streak_run_started_on
        FROM reward_streak s WHERE s.user_id = p_user_id;
        IF NOT FOUND THEN
            streak_current := 0; streak_longest := 0; streak_freezes := 0;
        END IF;
    END IF;
    FOR i IN 1 .. coalesce(array_length(v_kinds, 1), 0) LOOP
        SELECT * INTO v_rule FROM reward_rule r WHERE r.kind = v_kinds[i] AND r.enabled;
        CONTINUE WHEN NOT FOUND;
        -- rules.ledger_key
        v_key := CASE WHEN v_rule.once_per_reference THEN v_keys[i]
                      ELSE v_keys[i] || ':' || v_instances[i] END;
        CONTINUE WHEN EXISTS (SELECT 1 FROM ledger_transaction t WHERE t.idempotency_key = v_key);
        -- rules.multiplied_points
        v_multiplier := coalesce(
            (SELECT m.multiplier FROM unnest(p_multiplier_kinds, p_multipliers) AS m(kind, multiplier)
             WHERE m.kind = v_rule.kind LIMIT 1), 1);
        v_wanted := CASE WHEN v_multiplier <= 0 THEN 0 ELSE floor(v_rule.points * v_multiplier) END;
        v_granted := reward_take_points(p_user_id, p_cap_day, '*', v_wanted, p_daily_cap);
        IF v_granted > 0 AND v_rule.daily_cap IS NOT NULL THEN
            v_allowed := reward_take_points(p_user_id, p_cap_day, v_rule.kind, v_granted,
                                            v_rule.daily_cap);
            PERFORM reward_give_back(p_user_id, p_cap_day, '*', v_granted - v_allowed);
            v_granted := v_allowed;
        END IF;
        CONTINUE WHEN v_granted = 0 AND v_rule.xp = 0;
        v_reason := jsonb_build_object('code', v_rule.kind) || v_details[i];
        IF v_granted < v_wanted THEN
            v_reason := v_reason || jsonb_build_object('capped_from', v_wanted);
        END IF;
        SELECT EXISTS (
            SELECT 1 FROM ledger_earn(v_key, 'earn', v_references[i], v_reason, p_user_id,
                                      v_granted, v_rule.xp, p_now, p_lot_days)
        ) INTO v_posted;
        IF NOT v_posted THEN  -- a concurrent replay committed first: undo the claim on the caps
            PERFORM reward_give_back(p_user_id, p_cap_day, '*', v_granted);
            IF v_rule.daily_cap IS NOT NULL THEN
                PERFORM reward_give_back(p_user_id, p_cap_day, v_rule.kind, v_granted);
            END IF;
            CONTINUE;
        END IF;
        rewards := rewards || jsonb_build_array(jsonb_build_object(
            'kind', v_rule.kind, 'points', v_granted, 'xp', v_rule.xp, 'reason', v_reason));
    END LOOP;
    SELECT b.points, b.xp, b.expiring_points, b.expiring_at
    INTO points, xp, expiring_points, expiring_at
    FROM ledger_balances(p_user_id, p_now, p_expiring_before) b;
END $$
"""

# A user's wallet balances: spendable points (the live lots: a lot past its expiry is not
# counted), XP, and the live points per expiry up to `p_expiring_before`, soonest first.
LEDGER_BALANCES = """
CREATE FUNCTION ledger_balances(
    p_user_id uuid, p_now timestamptz, p_expiring_before timestamptz,
    OUT points bigint, OUT xp bigint, OUT expiring_points bigint[], OUT expiring_at timestamptz[]
) LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(lots.remaining), 0)::bigint,
           coalesce((SELECT a.balance FROM ledger_account a
                     WHERE a.user_id = p_user_id AND a.currency = 'xp'), 0)::bigint,
           coalesce(array_agg(lots.remaining ORDER BY lots.expires_at)
                    FILTER (WHERE lots.expires_at <= p_expiring_before), '{}'),
           coalesce(array_agg(lots.expires_at ORDER BY lots.expires_at)
                    FILTER (WHERE lots.expires_at <= p_expiring_before), '{}')
    FROM (SELECT l.expires_at, sum(l.remaining)::bigint AS remaining
          FROM ledger_account a JOIN ledger_lot l ON l.account_id = a.id
          WHERE a.user_id = p_user_id AND a.currency = 'points'
            AND l.remaining > 0 AND l.expires_at > p_now
          GROUP BY l.expires_at) lots
$$
"""

# gamification/rewards/caps: take up to `p_wanted` points from the learner's allowance in one
# conditional upsert that locks the counter row; what was granted (0 at the cap).
TAKE_POINTS = """
CREATE FUNCTION reward_take_points(
    p_user_id uuid, p_day date, p_scope text, p_wanted bigint, p_cap bigint
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_granted bigint;
BEGIN
    IF p_wanted <= 0 THEN
        RETURN 0;
    END IF;
    INSERT INTO reward_daily_points AS d (user_id, earned_on, scope, points, last_granted)
    VALUES (p_user_id, p_day, p_scope, least(p_wanted, greatest(p_cap, 0)),
            least(p_wanted, greatest(p_cap, 0)))
    ON CONFLICT (user_id, earned_on, scope) DO UPDATE
        SET points = least(d.points + p_wanted, p_cap),
            last_granted = least(d.points + p_wanted, p_cap) - d.points
        WHERE d.points < p_cap
    RETURNING d.last_granted INTO v_granted;
    RETURN coalesce(v_granted, 0);
END $$
"""

# Return points taken in this transaction (whose counter row lock it still holds).
GIVE_BACK = """
CREATE FUNCTION reward_give_back(p_user_id uuid, p_day date, p_scope text, p_points bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_points > 0 THEN
        UPDATE reward_daily_points SET points = points - p_points
        WHERE user_id = p_user_id AND earned_on = p_day AND scope = p_scope;
    END IF;
END $$
"""

# One graded attempt. attempts_used: the attempts of the day with this one (NULL: none was
# left, nothing written); first_pass / first_perfect: this attempt is the lesson's first pass /
# first perfect score (`p_known_*`: the learner's progress row said so already when read).
QUIZ_ATTEMPT_RECORD = """
CREATE FUNCTION quiz_attempt_record(
    p_user_id uuid, p_lesson_id uuid, p_course_id uuid, p_version_id uuid, p_day date,
    p_cap integer, p_attempt_id uuid, p_answers jsonb, p_correct text[], p_score integer,
    p_max_score integer, p_passed boolean, p_known_passed boolean, p_known_perfect boolean,
    p_now timestamptz,
    OUT attempts_used integer, OUT first_pass boolean, OUT first_perfect boolean
) LANGUAGE plpgsql AS $$
DECLARE
    v_perfect boolean;
BEGIN
    first_pass := false;
    first_perfect := false;
    INSERT INTO course_quiz_day AS d (user_id, lesson_id, attempted_on, attempts)
    VALUES (p_user_id, p_lesson_id, p_day, 1)
    ON CONFLICT (user_id, lesson_id, attempted_on) DO UPDATE SET attempts = d.attempts + 1
    WHERE d.attempts < p_cap
    RETURNING d.attempts INTO attempts_used;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO course_quiz_attempt (id, user_id, lesson_id, version_id, answers,
        correct_question_ids, score, max_score, passed, created_at)
    VALUES (p_attempt_id, p_user_id, p_lesson_id, p_version_id, p_answers, p_correct, p_score,
        p_max_score, p_passed, p_now);
    -- Two attempts of one day queue on the day's counter: the later one sees the earlier.
    v_perfect := p_score = p_max_score AND NOT p_known_perfect AND NOT EXISTS (
        SELECT 1 FROM course_quiz_attempt a
        WHERE a.user_id = p_user_id AND a.lesson_id = p_lesson_id AND a.id <> p_attempt_id);
    IF NOT p_passed OR (p_known_passed AND NOT v_perfect) THEN
        RETURN;
    END IF;
    INSERT INTO course_lesson_progress AS p
        (user_id, lesson_id, course_id, quiz_passed_attempt_id, quiz_perfect_attempt_id)
    VALUES (p_user_id, p_lesson_id, p_course_id, p_attempt_id,
            CASE WHEN v_perfect THEN p_attempt_id END)
    ON CONFLICT (user_id, lesson_id) DO UPDATE SET
        quiz_passed_attempt_id = coalesce(p.quiz_passed_attempt_id, excluded.quiz_passed_attempt_id),
        quiz_perfect_attempt_id = coalesce(p.quiz_perfect_attempt_id,
                                           excluded.quiz_perfect_attempt_id)
    RETURNING p.quiz_passed_attempt_id = p_attempt_id,
              coalesce(p.quiz_perfect_attempt_id = p_attempt_id, false)
    INTO first_pass, first_perfect;
END $$
"""

FUNCTIONS = [LEDGER_BALANCES, TAKE_POINTS, GIVE_BACK, REWARD_AWARD, QUIZ_ATTEMPT_RECORD]
DROP_FUNCTIONS = [
    "DROP FUNCTION quiz_attempt_record(uuid, uuid, uuid, uuid, date, integer, uuid, jsonb, "
    "text[], integer, integer, boolean, boolean, boolean, timestamptz)",
    "DROP FUNCTION reward_award(uuid, timestamptz, date, date, boolean, text[], text[], text[], "
    "text[], jsonb[], text[], numeric[], bigint, integer, timestamptz)",
    "DROP FUNCTION reward_give_back(uuid, date, text, bigint)",
    "DROP FUNCTION reward_take_points(uuid, date, text, bigint, bigint)",
    "DROP FUNCTION ledger_balances(uuid, timestamptz, timestamptz)",
]

# Migration 0004's per-entry deferred check, as it was (for the downgrade).
ROW_CHECK = [
    """
    CREATE FUNCTION ledger_transaction_balances() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
            WHERE e.transaction_id = NEW.transaction_id
            GROUP BY a.currency HAVING SUM(e.amount) <> 0
        ) THEN
            RAISE EXCEPTION 'ledger transaction % does not sum to zero', NEW.transaction_id
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (
            SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id
            AND (a.user_id IS NOT NULL) <> (NEW.balance_after IS NOT NULL)
        ) THEN
            RAISE EXCEPTION 'ledger entry % has a wrong balance_after', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER ledger_transaction_balances
    AFTER INSERT ON ledger_entry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balances()
    """,
]


def upgrade() -> None:
    op.execute("DROP TRIGGER ledger_transaction_balances ON ledger_entry")
    op.execute("DROP FUNCTION ledger_transaction_balances()")
    for statement in STATEMENT_CHECK + FUNCTIONS:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_FUNCTIONS:
        op.execute(statement)
    op.execute("DROP TRIGGER ledger_entries_balance ON ledger_entry")
    op.execute("DROP FUNCTION ledger_entries_balance()")
    for statement in ROW_CHECK:
        op.execute(statement)
