"""leagueclose: a league week's results reach the inbox as rendered rows, not written messages

A week's close wrote one `campaign_inbox_message` per member (a million at a million members):
a wide row (both locales' title and body as JSONB, a 60-character reference) and four index
entries (its id, the unique reference, (user_id, created_at, id), the unread partial index),
67 s wall and 14 s of server CPU of the close's 192 s at load 12-14. Every value in that message
is already in the member's `league_result` row.

Now the inbox reads `campaign_inbox_entry`, a view: the messages posted, plus one rendered
message per `league_result` row of the weeks closed since (`league_week.results_in_inbox`), with
the same reference, title and body the close used to write (tier names read now), created at the
close's time, never held. Its id is derived from (week, learner), `league_result_message_id`, so
it is the same on every read; `league_result.read_at` keeps when it was read; and
`inbox_entry_read` marks either kind read in one statement (the read recorded as an
`inbox_read` activity event either way). Weeks closed before this revision
keep the messages they posted (`results_in_inbox` false), so no message changes its id; the
column's default is false, so a replica still running the earlier close (which posts messages)
marks the weeks it closes so too.

`league_result` gains an index on `user_id`: the inbox reads a learner's results by it, and the
erasure deletes them by it (until now a scan of every week's results). One index entry a member
replaces the message's four.

Downgrade writes the rendered messages into `campaign_inbox_message` (their ids and read times
kept) before it drops the view, functions, index and columns.

Revision ID: 0041
Revises: 0040
Create Date: 2026-11-30 13:30:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An integer of days, not the date's text (which follows DateStyle): immutable for real.
MESSAGE_ID = """
    CREATE FUNCTION league_result_message_id(p_week date, p_user uuid) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT md5('league-week:' || (p_week - DATE '2000-01-01') || ':' || p_user)::uuid
    $$
"""
# The texts are those the close posted until this revision (0037's `_RESULT_MESSAGES`); a tier
# removed since is named by its number.
ENTRIES = """
    CREATE VIEW campaign_inbox_entry AS
    SELECT m.id, m.user_id, m.reference, m.title, m.body, m.deep_link, m.created_at,
           m.held_until, m.read_at
      FROM campaign_inbox_message m
    UNION ALL
    SELECT league_result_message_id(r.week_start, r.user_id), r.user_id,
           CAST('league-week:' || r.week_start || ':' || r.user_id AS varchar(200)),
           jsonb_build_object('zh-CN', '本周联赛结果', 'en', 'Your league week'),
           jsonb_build_object(
               'zh-CN', format('你在%s联赛中以 %s XP 排名第 %s。%s%s',
                   COALESCE(t.name ->> 'zh-CN', r.tier::text), r.xp, r.rank,
                   CASE r.outcome
                       WHEN 'promoted'
                           THEN '晋级到' || COALESCE(n.name ->> 'zh-CN', r.new_tier::text)
                                || '联赛！'
                       WHEN 'demoted'
                           THEN '下周在' || COALESCE(n.name ->> 'zh-CN', r.new_tier::text)
                                || '联赛再出发。'
                       ELSE '下周继续留在本联赛。' END,
                   CASE WHEN r.prize_points > 0
                        THEN format('奖励 %s 积分。', r.prize_points) ELSE '' END),
               'en', format('You finished #%s in the %s league with %s XP. %s%s',
                   r.rank, COALESCE(t.name ->> 'en', r.tier::text), r.xp,
                   CASE r.outcome
                       WHEN 'promoted'
                           THEN 'Promoted to ' || COALESCE(n.name ->> 'en', r.new_tier::text)
                                || '!'
                       WHEN 'demoted'
                           THEN 'Next week: ' || COALESCE(n.name ->> 'en', r.new_tier::text)
                                || '.'
                       ELSE 'You stay in this league.' END,
                   CASE WHEN r.prize_points > 0
                        THEN format(' Prize: %s points.', r.prize_points) ELSE '' END)),
           CAST(NULL AS varchar(100)), r.closed_at, CAST(NULL AS timestamptz), r.read_at
      FROM league_result r
      JOIN league_week w ON w.week_start = r.week_start AND w.results_in_inbox
      LEFT JOIN league_tier t ON t.position = r.tier
      LEFT JOIN league_tier n ON n.position = r.new_tier
"""
# The learner's message `p_id`, posted or rendered, read at `p_now` unless read before; its read
# time, or no row when the learner has no such visible message.
MARK_READ = """
    CREATE FUNCTION inbox_entry_read(p_user uuid, p_id uuid, p_now timestamptz)
    RETURNS SETOF timestamptz LANGUAGE sql AS $$
        WITH posted AS (
            UPDATE campaign_inbox_message SET read_at = COALESCE(read_at, p_now)
             WHERE user_id = p_user AND id = p_id AND (held_until IS NULL OR held_until <= p_now)
            RETURNING read_at
        ), rendered AS (
            UPDATE league_result r SET read_at = COALESCE(r.read_at, p_now)
              FROM league_week w
             WHERE r.user_id = p_user AND w.week_start = r.week_start AND w.results_in_inbox
               AND league_result_message_id(r.week_start, r.user_id) = p_id
            RETURNING r.read_at
        )
        SELECT read_at FROM posted UNION ALL SELECT read_at FROM rendered
    $$
"""

# A rendered message read is an `inbox_read` activity event as a posted one is (migration 0027).
READ_EVENT = """
    CREATE TRIGGER activity_inbox_read AFTER UPDATE OF read_at ON league_result FOR EACH ROW
        WHEN (OLD.read_at IS NULL AND NEW.read_at IS NOT NULL) EXECUTE FUNCTION activity_inbox_read()
"""


def upgrade() -> None:
    op.execute("ALTER TABLE league_result ADD COLUMN read_at timestamptz")
    op.execute("CREATE INDEX ix_league_result_user_id ON league_result (user_id)")
    op.execute("ALTER TABLE league_week ADD COLUMN results_in_inbox boolean NOT NULL DEFAULT false")
    op.execute(MESSAGE_ID)
    op.execute(ENTRIES)
    op.execute(MARK_READ)
    op.execute(READ_EVENT)


def downgrade() -> None:
    op.execute(
        "INSERT INTO campaign_inbox_message"
        " (id, user_id, reference, title, body, deep_link, created_at, held_until, read_at)"
        " SELECT id, user_id, reference, title, body, deep_link, created_at, held_until, read_at"
        " FROM campaign_inbox_entry e"
        " WHERE NOT EXISTS (SELECT 1 FROM campaign_inbox_message m WHERE m.id = e.id)"
        " ON CONFLICT (reference) DO NOTHING"
    )
    op.execute("DROP TRIGGER activity_inbox_read ON league_result")
    op.execute("DROP FUNCTION inbox_entry_read(uuid, uuid, timestamptz)")
    op.execute("DROP VIEW campaign_inbox_entry")
    op.execute("DROP FUNCTION league_result_message_id(date, uuid)")
    op.execute("ALTER TABLE league_week DROP COLUMN results_in_inbox")
    op.execute("DROP INDEX ix_league_result_user_id")
    op.execute("ALTER TABLE league_result DROP COLUMN read_at")
