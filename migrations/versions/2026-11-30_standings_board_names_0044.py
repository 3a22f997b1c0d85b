"""contest standings carry each learner's board name: `contest_standing` gets `display_name` and
`public_boards`, so a leaderboard read is one index range of one table (the names of the rows
around the caller were a lookup per row in `user_account`, a random page each at a million
players), and is keyed by (generation, user_id), so the caller's own row is one key lookup. A trigger on `user_account` keeps the current generations true when a name or the
public-boards choice changes (or an account is erased), and logs the change in
`contest_board_change`, which a refresh built before the change re-applies to the generation it
is about to publish.

Revision ID: 0044
Revises: 0043
Create Date: 2026-11-30 14:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The advisory lock 7040001 (`gamification.contests.standings.BOARD_NAMES_LOCK`) is shared by
# every account change (they do not wait on each other); a refresh takes it exclusively for the
# moment it re-applies the logged changes and publishes its generation. The trigger runs in the
# account change's transaction, at READ COMMITTED as every transaction of the app: its UPDATE,
# after the lock, sees the generation a refresh published while it waited.
_TRIGGER_FUNCTION = """
CREATE FUNCTION contest_board_name_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7040001);
    UPDATE contest_standing s
       SET display_name = NEW.display_name, public_boards = NEW.public_boards
      FROM contest_entry e
      JOIN contest_standings_state st ON st.contest_id = e.contest_id
     WHERE e.user_id = NEW.id AND s.generation = st.generation AND s.user_id = NEW.id;
    INSERT INTO contest_board_change (xact_id, user_id, changed_at)
    VALUES (pg_current_xact_id()::text::bigint, NEW.id, now())
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$
"""
_TRIGGER = """
CREATE TRIGGER contest_board_name_changed
AFTER UPDATE OF display_name, public_boards ON user_account
FOR EACH ROW
WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name
      OR OLD.public_boards IS DISTINCT FROM NEW.public_boards)
EXECUTE FUNCTION contest_board_name_changed()
"""
# Every contest's current generation takes its learners' names as they are now.
_FILL_CURRENT = """
UPDATE contest_standing s
   SET display_name = u.display_name, public_boards = u.public_boards
  FROM contest_standings_state st, user_account u
 WHERE s.generation = st.generation AND u.id = s.user_id
"""


def upgrade() -> None:
    op.create_table(
        "contest_board_change",
        sa.Column("xact_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("xact_id", "user_id", name=op.f("pk_contest_board_change")),
    )
    op.add_column(
        "contest_standing",
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.add_column(
        "contest_standing",
        sa.Column("public_boards", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.alter_column("contest_standing", "public_boards", server_default=None)
    _key_standings_by("user_id")
    # Before the fill: a rename or an erasure committed between the fill's read of `user_account`
    # and the trigger's creation would be lost for good (the erased name kept on the boards).
    # SHARE ROW EXCLUSIVE waits for the account writes in flight and holds off new ones until the
    # trigger exists and this transaction commits; reads go on.
    op.execute("LOCK TABLE user_account IN SHARE ROW EXCLUSIVE MODE")
    op.execute(_FILL_CURRENT)
    op.execute(_TRIGGER_FUNCTION)
    op.execute(_TRIGGER)


def _key_standings_by(column: str) -> None:
    """Each generation's key: (generation, user_id), so my rank is found in the standings alone
    (a learner has one entry per contest), not through the entry first; before, (generation,
    entry_id)."""
    op.drop_constraint("pk_contest_standing", "contest_standing", type_="primary")
    op.create_primary_key("pk_contest_standing", "contest_standing", ["generation", column])


def downgrade() -> None:
    op.execute("DROP TRIGGER contest_board_name_changed ON user_account")
    op.execute("DROP FUNCTION contest_board_name_changed()")
    _key_standings_by("entry_id")
    op.drop_column("contest_standing", "public_boards")
    op.drop_column("contest_standing", "display_name")
    op.drop_table("contest_board_change")
