"""quiz attempt graded in the statement that records it: `quiz_grade`, `quiz_attempt_grade_submit`

A quiz attempt waited for the database twice: a read of the lesson (its answer key, the
caller's progress and lock), grading in Python, then `quiz_attempt_submit`. The route now sends
one statement: the same read of the lesson, with `quiz_attempt_grade_submit` called on its row,
which grades the answers against the answer key it read and, when the caller may take the
lesson and the answers fit the quiz, records and pays the attempt through `quiz_attempt_submit`.

`quiz_grade` is `courses/grading.py` in SQL (that module stays the specification; a test holds
the two equal over the seed quizzes): `valid` is false when an answer names an unknown question
or choice, gives a choice twice, gives a one-choice question more than one, or a question is
left unanswered (`answer_problems`, `unanswered_questions`); a question is right when the
chosen set equals the correct set; passed when the share right reaches the pass score.

`quiz_attempt_grade_submit` answers its outcome: `locked` (the caller may not take the lesson:
nothing graded or written), `invalid` (nothing written; the api names the problems from the
answer key it read), or `recorded` with the grade and what `quiz_attempt_submit` answered (its
`attempts_used` null when the day's attempts were spent: nothing stored).

Revision ID: 0047
Revises: 0046
Create Date: 2026-11-30 16:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0047"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUIZ_GRADE = """
CREATE FUNCTION quiz_grade(
    p_answer_key jsonb, p_answers jsonb,
    OUT valid boolean, OUT correct text[], OUT score integer, OUT max_score integer,
    OUT passed boolean
) LANGUAGE sql IMMUTABLE AS $$
    WITH question AS (
        SELECT q->>'id' AS id, q->>'kind' AS kind, q->'choices' AS choices,
               q->'correct' AS right_choices, p_answers->(q->>'id') AS chosen, n
          FROM jsonb_array_elements(p_answer_key->'questions') WITH ORDINALITY AS k(q, n)
    ), graded AS (
        SELECT id, n,
               CASE WHEN jsonb_typeof(chosen) = 'array' THEN
                   jsonb_array_length(chosen) > 0
                   AND (kind = 'multiple' OR jsonb_array_length(chosen) = 1)
                   AND chosen <@ choices
                   AND (SELECT count(DISTINCT c) FROM jsonb_array_elements(chosen) c)
                       = jsonb_array_length(chosen)
               ELSE false END AS fits,
               CASE WHEN jsonb_typeof(chosen) = 'array' THEN
                   chosen <@ right_choices AND right_choices <@ chosen
               ELSE false END AS right_answer
          FROM question
    )
    SELECT bool_and(fits) IS NOT FALSE
               AND NOT EXISTS (SELECT 1 FROM jsonb_object_keys(p_answers) a(id)
                                WHERE a.id NOT IN (SELECT id FROM question)),
           coalesce(array_agg(id ORDER BY n) FILTER (WHERE right_answer), '{}'),
           count(*) FILTER (WHERE right_answer)::integer,
           count(*)::integer,
           count(*) FILTER (WHERE right_answer) * 100
               >= (p_answer_key->>'pass_score')::integer * count(*)
      FROM graded
$$
"""

QUIZ_ATTEMPT_GRADE_SUBMIT = """
CREATE FUNCTION quiz_attempt_grade_submit(
    p_may_take boolean, p_answer_key jsonb, p_answers jsonb, p_user_id uuid, p_lesson_id uuid,
    p_course_id uuid, p_course_slug text, p_version_id uuid, p_known_passed boolean,
    p_known_perfect boolean, p_cap integer, p_attempt_id uuid, p_now timestamptz, p_today date,
    p_cap_day date, p_daily_cap bigint, p_lot_days integer, p_expiring_before timestamptz,
    p_daily_quests integer, p_highest_tier integer, p_cohort_size integer,
    OUT outcome text, OUT correct text[], OUT score integer, OUT max_score integer,
    OUT passed boolean, OUT attempts_used integer, OUT first_pass boolean,
    OUT first_perfect boolean, OUT rewards jsonb, OUT streak_current integer,
    OUT streak_longest integer, OUT streak_freezes integer, OUT streak_last_active_on date,
    OUT streak_run_started_on date, OUT points bigint, OUT xp bigint,
    OUT expiring_points bigint[], OUT expiring_at timestamptz[]
) LANGUAGE plpgsql AS $$
DECLARE
    v_valid boolean;
BEGIN
    IF p_may_take IS NOT TRUE THEN  -- null (prerequisites none completed) is not a yes
        outcome := 'locked';
        RETURN;
    END IF;
    SELECT g.valid, g.correct, g.score, g.max_score, g.passed
      INTO v_valid, correct, score, max_score, passed
      FROM quiz_grade(p_answer_key, p_answers) g;
    IF NOT v_valid THEN
        outcome := 'invalid';
        correct := NULL; score := NULL; max_score := NULL; passed := NULL;
        RETURN;
    END IF;
    outcome := 'recorded';
    -- Valid answers answer every question of the quiz and nothing else: they are what the
    -- attempt stores for the stats.
    SELECT s.attempts_used, s.first_pass, s.first_perfect, s.rewards, s.streak_current,
           s.streak_longest, s.streak_freezes, s.streak_last_active_on, s.streak_run_started_on,
           s.points, s.xp, s.expiring_points, s.expiring_at
      INTO attempts_used, first_pass, first_perfect, rewards, streak_current, streak_longest,
           streak_freezes, streak_last_active_on, streak_run_started_on, points, xp,
           expiring_points, expiring_at
      FROM quiz_attempt_submit(p_user_id, p_lesson_id, p_course_id, p_course_slug, p_version_id,
                               p_cap, p_attempt_id, p_answers, correct, score, max_score, passed,
                               p_known_passed, p_known_perfect, p_now, p_today, p_cap_day,
                               p_daily_cap, p_lot_days, p_expiring_before, p_daily_quests,
                               p_highest_tier, p_cohort_size) s;
END $$
"""


def upgrade() -> None:
    op.execute(QUIZ_GRADE)
    op.execute(QUIZ_ATTEMPT_GRADE_SUBMIT)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION quiz_attempt_grade_submit(boolean, jsonb, jsonb, uuid, uuid, uuid, text, "
        "uuid, boolean, boolean, integer, uuid, timestamptz, date, date, bigint, integer, "
        "timestamptz, integer, integer, integer)"
    )
    op.execute("DROP FUNCTION quiz_grade(jsonb, jsonb)")
