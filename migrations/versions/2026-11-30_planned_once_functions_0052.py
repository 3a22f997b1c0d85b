"""ledger_balances and quiz_grade in PL/pgSQL: their query planned once per connection

Both were `LANGUAGE sql` functions that PostgreSQL does not inline where they are called (a
PL/pgSQL caller, a table function with OUT parameters), so their one query was planned afresh
on every call, and the planning cost more than the work: on the bench's quiz attempts
(`quiz_attempt_submit` reads the wallet with `ledger_balances`, `quiz_attempt_grade_submit`
grades with `quiz_grade`) 0.55 and 0.43 ms a call. As PL/pgSQL, the same query runs on a plan
the connection keeps: 0.15 and 0.16 ms (pg_stat_user_functions, track_functions = all, 1,300
attempts each, the same data). The queries, and so the answers, are migration 0019's and
0047's unchanged (restored on downgrade).

Revision ID: 0052
Revises: 0051
Create Date: 2026-11-30 22:45:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

from api.migrations import revision_module

revision: str = "0052"
down_revision: str | None = "0051"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEDGER_BALANCES = """
CREATE OR REPLACE FUNCTION ledger_balances(
    p_user_id uuid, p_now timestamptz, p_expiring_before timestamptz,
    OUT points bigint, OUT xp bigint, OUT expiring_points bigint[], OUT expiring_at timestamptz[]
) LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT coalesce(sum(lots.remaining), 0)::bigint,
           coalesce((SELECT a.balance FROM ledger_account a
                     WHERE a.user_id = p_user_id AND a.currency = 'xp'), 0)::bigint,
           coalesce(array_agg(lots.remaining ORDER BY lots.expires_at)
                    FILTER (WHERE lots.expires_at <= p_expiring_before), '{}'),
           coalesce(array_agg(lots.expires_at ORDER BY lots.expires_at)
                    FILTER (WHERE lots.expires_at <= p_expiring_before), '{}')
      INTO points, xp, expiring_points, expiring_at
    FROM (SELECT l.expires_at, sum(l.remaining)::bigint AS remaining
          FROM ledger_account a JOIN ledger_lot l ON l.account_id = a.id
          WHERE a.user_id = p_user_id AND a.currency = 'points'
            AND l.remaining > 0 AND l.expires_at > p_now
          GROUP BY l.expires_at) lots;
END $$
"""

QUIZ_GRADE = """
CREATE OR REPLACE FUNCTION quiz_grade(
    p_answer_key jsonb, p_answers jsonb,
    OUT valid boolean, OUT correct text[], OUT score integer, OUT max_score integer,
    OUT passed boolean
) LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
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
      INTO valid, correct, score, max_score, passed
      FROM graded;
END $$
"""


def upgrade() -> None:
    op.execute(LEDGER_BALANCES)
    op.execute(QUIZ_GRADE)


def downgrade() -> None:
    for revision_, name in (("0019", "LEDGER_BALANCES"), ("0047", "QUIZ_GRADE")):
        text: str = getattr(revision_module(revision_), name)
        op.execute(text.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
