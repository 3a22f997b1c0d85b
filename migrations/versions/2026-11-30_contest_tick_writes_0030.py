"""contest_tick_writes: fewer writes per fill for the market tick

A tick that fills 100,000 resting orders spent most of its time writing WAL. Each foreign key
check locks the referenced row (a WAL record, and a full page image of its page when it is the
first change since a checkpoint), so `contest_fill`'s keys to the contest, the entry and the
user, and `contest_position`'s to the user, each locked another row per fill (the user's, on
a random page of a large table) only to re-check what the order's own keys already guarantee:
a fill is written only for its order (which keeps its key to `contest_order`, and the order
its keys to the contest, the entry and the user), and a position is keyed by its entry.

Entries and positions are updated by every fill and order: room left on each page
(fillfactor 85) keeps those updates HOT, without new index entries. It applies to pages
written from now on.

Revision ID: 0030
Revises: 0027
Create Date: 2026-11-30 07:45:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, constraint, column, referenced table)
REDUNDANT_KEYS = (
    ("contest_fill", "fk_contest_fill_contest_id_contest", "contest_id", "contest"),
    ("contest_fill", "fk_contest_fill_entry_id_contest_entry", "entry_id", "contest_entry"),
    ("contest_fill", "fk_contest_fill_user_id_user_account", "user_id", "user_account"),
    (
        "contest_position",
        "fk_contest_position_user_id_user_account",
        "user_id",
        "user_account",
    ),
)
UPDATED_OFTEN = ("contest_entry", "contest_position")


def upgrade() -> None:
    for table, name, _column, _referenced in REDUNDANT_KEYS:
        op.drop_constraint(name, table, type_="foreignkey")
    for table in UPDATED_OFTEN:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 85)")


def downgrade() -> None:
    for table in UPDATED_OFTEN:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    for table, name, column, referenced in REDUNDANT_KEYS:
        op.create_foreign_key(name, table, referenced, [column], ["id"])
