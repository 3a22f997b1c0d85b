"""contest_fill_keys: no per-row key checks on the rows a market tick writes

A tick filling 100,000 resting orders ran a foreign key check per written row: the fill's key to
its order, the position's to its entry and to its instrument. Each is a query per row, and the
entry's also locks the entry row (a WAL record on a random page of a large table) the same
transaction has just updated. They re-check what the writers already guarantee: a fill is
written only with its order's own update, in the same statement (the order is locked and
exists); a position is written only for an entry its transaction has locked and updated, and
only for the symbol of an order accepted against the instruments. Orders, entries and
instruments are never deleted (a deleted account's entries stay, anonymised). Measured on the
standings bench's data set (10,000-fill chunk): the three checks took 0.9 to 1.1 s of a chunk.

Revision ID: 0034_tick
Revises: 0033
Create Date: 2026-11-30 10:55:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034_tick"
down_revision: str | None = "0033"
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


def upgrade() -> None:
    for table, name, _column, _referenced, _key in CHECKED_BY_THE_WRITERS:
        op.drop_constraint(name, table, type_="foreignkey")


def downgrade() -> None:
    for table, name, column, referenced, key in CHECKED_BY_THE_WRITERS:
        op.create_foreign_key(name, table, referenced, [column], [key])
