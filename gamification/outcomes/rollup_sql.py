"""The rollup's statements (see `rollup.py` for the order they run in and why).

One month is folded in one statement: the month's events grouped once by user, kind and
category (`s`, materialised), then written to the per-user, per-month and per-kind tables and
used to advance each user's first funnel steps. Months are cut at the business zone's midnight.

Staff accounts (any of `STAFF_ROLES`) are the broker's people, not clients: their events, their
sign-ups and their contest entries are left out of every measure (their roles as of the run
that computes the month).
"""

import sqlalchemy as sa

from gamification.outcomes.kinds import CATEGORISED, KINDS, NOT_INTERACTIONS, TOOLS, mask

# The staff roles of `api.accounts.caller.Role` (the console's `STAFF_ROLES`).
STAFF_ROLES = ("editor", "marketer", "moderator", "admin")
# Run once per statement (a hashed NOT IN): a scan of the accounts, no join per event.
_STAFF_ARRAY = "ARRAY[" + ", ".join(f"'{role}'" for role in STAFF_ROLES) + "]::varchar[]"
STAFF_IDS = f"SELECT id FROM user_account WHERE roles && {_STAFF_ARRAY}"  # noqa: S608
NOT_STAFF = f"NOT roles && {_STAFF_ARRAY}"

CLEAR_MONTH = [
    sa.text("DELETE FROM outcome_user_month WHERE month = :month"),
    sa.text("DELETE FROM outcome_month WHERE month = :month"),
    sa.text("DELETE FROM outcome_month_event WHERE month = :month"),
]

_TOOL_COUNTS = ", ".join(
    f"count(*) FILTER (WHERE kinds & {mask(kinds)} <> 0)" for kinds in TOOLS.values()
)
_KINDS = "ARRAY[" + ", ".join(f"'{kind}'" for kind in KINDS) + "]::text[]"
_CATEGORISED = "ARRAY[" + ", ".join(f"'{kind}'" for kind in CATEGORISED) + "]::text[]"
_NOT_INTERACTIONS = "ARRAY[" + ", ".join(f"'{kind}'" for kind in NOT_INTERACTIONS) + "]::text[]"

FOLD_MONTH = sa.text(f"""
WITH s AS MATERIALIZED (
    SELECT user_id, kind::text AS kind,
           CASE WHEN kind::text = ANY({_CATEGORISED}) THEN left(coalesce(detail, ''), 32)
                ELSE '' END AS detail,
           count(*) AS events, min(occurred_at) AS first_at
    FROM activity_event
    WHERE occurred_at >= :starts AND occurred_at < :ends AND user_id NOT IN ({STAFF_IDS})
    GROUP BY 1, 2, 3
), per_user AS (
    INSERT INTO outcome_user_month (month, user_id, kinds, events, interactions)
    SELECT :month, user_id,
           bit_or(coalesce(1 << (array_position({_KINDS}, kind) - 1), 0)),
           sum(events)::integer,
           coalesce(sum(events) FILTER (WHERE NOT kind = ANY({_NOT_INTERACTIONS})), 0)::integer
    FROM s GROUP BY user_id
    RETURNING kinds, interactions
), per_month AS (
    INSERT INTO outcome_month (month, actives, interactions, lesson_users, quiz_users,
                               contest_users, community_users, voucher_users)
    SELECT :month, count(*), coalesce(sum(interactions), 0), {_TOOL_COUNTS} FROM per_user
), per_kind AS (
    INSERT INTO outcome_month_event (month, kind, detail, events, users)
    SELECT :month, kind, detail, sum(events), count(*) FROM s GROUP BY kind, detail
)
UPDATE outcome_user_first f
SET first_lesson_at = least(f.first_lesson_at, x.lesson),
    first_quiz_passed_at = least(f.first_quiz_passed_at, x.quiz_passed),
    first_voucher_at = least(f.first_voucher_at, x.voucher),
    first_consumed_at = least(f.first_consumed_at, x.consumed)
FROM (
    SELECT user_id,
           min(first_at) FILTER (WHERE kind = 'lesson_opened') AS lesson,
           min(first_at) FILTER (WHERE kind = 'quiz_attempted' AND detail = 'passed')
               AS quiz_passed,
           min(first_at) FILTER (WHERE kind = 'voucher_redeemed') AS voucher,
           min(first_at) FILTER (WHERE kind = 'voucher_consumed') AS consumed
    FROM s
    WHERE kind IN ('lesson_opened', 'quiz_attempted', 'voucher_redeemed', 'voucher_consumed')
    GROUP BY user_id
) x
WHERE f.user_id = x.user_id
""")  # noqa: S608 - built from the constants of kinds.py

# Users who signed up since `since` get their funnel row (the earlier ones have theirs).
ADD_USERS = sa.text("""
INSERT INTO outcome_user_first (user_id, signed_up_on)
SELECT id, (created_at AT TIME ZONE :zone)::date FROM user_account WHERE created_at >= :since
ON CONFLICT (user_id) DO NOTHING
""")

# The steps first reached from `starts` on are found again by the months being recomputed.
FORGET_FIRSTS_FROM = sa.text("""
UPDATE outcome_user_first
SET first_lesson_at = CASE WHEN first_lesson_at >= :starts THEN NULL ELSE first_lesson_at END,
    first_quiz_passed_at = CASE WHEN first_quiz_passed_at >= :starts THEN NULL
                                ELSE first_quiz_passed_at END,
    first_voucher_at = CASE WHEN first_voucher_at >= :starts THEN NULL ELSE first_voucher_at END,
    first_consumed_at = CASE WHEN first_consumed_at >= :starts THEN NULL
                             ELSE first_consumed_at END
WHERE first_lesson_at >= :starts OR first_quiz_passed_at >= :starts
   OR first_voucher_at >= :starts OR first_consumed_at >= :starts
""")

REFRESH_FUNNEL = [
    sa.text("DELETE FROM outcome_funnel_day"),
    sa.text(f"""
INSERT INTO outcome_funnel_day (day, signed_up, lesson, quiz_passed, voucher, consumed)
SELECT signed_up_on, count(*),
       count(*) FILTER (WHERE first_lesson_at IS NOT NULL),
       count(*) FILTER (WHERE first_lesson_at IS NOT NULL AND first_quiz_passed_at IS NOT NULL),
       count(*) FILTER (WHERE first_lesson_at IS NOT NULL AND first_quiz_passed_at IS NOT NULL
                        AND first_voucher_at IS NOT NULL),
       count(*) FILTER (WHERE first_lesson_at IS NOT NULL AND first_quiz_passed_at IS NOT NULL
                        AND first_voucher_at IS NOT NULL AND first_consumed_at IS NOT NULL)
FROM outcome_user_first WHERE user_id NOT IN ({STAFF_IDS}) GROUP BY signed_up_on
"""),  # noqa: S608 - the constant above
]

# Cohort months whose members may have moved: a broker account opened in a recomputed month
# moves its user from the sign-up month's cohort to the account-opening month's.
MOVED_COHORTS = sa.text(f"""
SELECT DISTINCT m FROM (
    SELECT date_trunc('month', u.broker_account_opened_at AT TIME ZONE :zone)::date AS a,
           date_trunc('month', u.created_at AT TIME ZONE :zone)::date AS b
    FROM outcome_user_month um JOIN user_account u ON u.id = um.user_id
    WHERE um.month >= :month AND um.kinds & {mask(("broker_account_opened",))} <> 0
      AND u.broker_account_opened_at IS NOT NULL
) moved, LATERAL (VALUES (a), (b)) AS months(m)
""")  # noqa: S608 - built from the constants of kinds.py

CLEAR_COHORTS = sa.text("DELETE FROM outcome_cohort WHERE month = ANY(:months)")

# A user's client life starts when the broker account opened, else at the app sign-up.
FILL_COHORTS = sa.text(f"""
INSERT INTO outcome_cohort (month, size, active_1, active_2, active_3)
SELECT c.month, count(*),
       count(*) FILTER (WHERE EXISTS (SELECT FROM outcome_user_month m WHERE m.user_id = c.id
                        AND m.month = (c.month + interval '1 month')::date)),
       count(*) FILTER (WHERE EXISTS (SELECT FROM outcome_user_month m WHERE m.user_id = c.id
                        AND m.month = (c.month + interval '2 months')::date)),
       count(*) FILTER (WHERE EXISTS (SELECT FROM outcome_user_month m WHERE m.user_id = c.id
                        AND m.month = (c.month + interval '3 months')::date))
FROM (
    SELECT id, date_trunc('month', coalesce(broker_account_opened_at, created_at)
                                   AT TIME ZONE :zone)::date AS month
    FROM user_account WHERE {NOT_STAFF}
) c
WHERE c.month = ANY(:months)
GROUP BY c.month
""")  # noqa: S608 - the constant above

FIRST_SIGN_UP = sa.text(f"SELECT min(created_at) FROM user_account WHERE {NOT_STAFF}")  # noqa: S608

CLEAR_ALL = sa.text(
    "TRUNCATE outcome_user_month, outcome_month, outcome_month_event, outcome_user_first,"
    " outcome_funnel_day, outcome_cohort, outcome_learning_entry"
)
