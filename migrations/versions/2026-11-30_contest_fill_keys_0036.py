"""contest_fill_keys: no per-row key checks on the rows a market tick writes, more room on
the entries' pages

A tick filling 100,000 resting orders ran a foreign key check per written row: the fill's key to
its order, the position's to its entry and to its instrument. Each is a query per row, and the
entry's also locks the entry row (a WAL record on a random page of a large table) the same
transaction has just updated. They re-check what the writers already guarantee: a fill is
written only with its order's own update, in the same statement (the order is locked and
exists); a position is written only for an entry its transaction has locked and updated, and
only for the symbol of an order accepted against the instruments. Orders, entries and
instruments are never deleted (a deleted account's entries stay, anonymised). Measured on the
standings bench's data set (10,000-fill chunk): the three checks took 0.9 to 1.1 s of a chunk.

An entry's row is updated by every order placed and every fill; a tick updates each entry with
a crossed order once more. At fillfactor 85 two thirds of the tick's entry updates found no room
on their page (33% HOT over 100,000 fills), each then adding an entry to the table's four indexes
on random pages. At 70, 67% were HOT. It applies to pages written from now on.

Revision ID: 0036
Revises: 0035
Create Date: 2026-11-30 10:55:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, constraint, column, referenced table, referenced column)
CHECKED_BY_THE_WRITERS = (
    ("contest_fill", "fk_contest_fill_order_id_contest_order", "order_id", "contest_order", "id"),
    (
        "contest_position",
        "fk_contest_position_entry_id_contest_entry",
        "entry_id",
        "contest_entry",
        "id",
    ),
    (
        "contest_position",
        "fk_contest_position_symbol_contest_instrument",
        "symbol",
        "contest_instrument",
        "symbol",
    ),
)


ENTRY_FILLFACTOR = 70
PREVIOUS_ENTRY_FILLFACTOR = 85  # migration 0030


def upgrade() -> None:
    for table, name, _column, _referenced, _key in CHECKED_BY_THE_WRITERS:
        op.drop_constraint(name, table, type_="foreignkey")
    op.execute(f"ALTER TABLE contest_entry SET (fillfactor = {ENTRY_FILLFACTOR})")


def downgrade() -> None:
    op.execute(f"ALTER TABLE contest_entry SET (fillfactor = {PREVIOUS_ENTRY_FILLFACTOR})")
    for table, name, column, referenced, key in CHECKED_BY_THE_WRITERS:
        op.create_foreign_key(name, table, referenced, [column], [key])
