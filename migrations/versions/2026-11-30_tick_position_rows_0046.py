"""tick_position_rows: a resting buy order's position row exists from its placement, so the
market tick's fill updates it in place instead of adding a key to the positions' index

A tick filling 100,000 resting buys added most of their shares as new positions: an insertion
into `pk_contest_position` each, keyed by a random entry id, so on a random leaf of a large index
(at 1,000,000 entries about 14,000 leaves, each written in full to the WAL on its first change
after a checkpoint). On the standings bench's data set, a 10,000-fill chunk's positions took
1.7 s and wrote 47 MB of WAL (7,555 full page images), three times the rest of the chunk.

`contest_place_order` now writes the position row of an order it leaves resting to buy, empty
(quantity 0, as a position sold out already is), when the entry has none; while placing, with
the entry row locked (lock order: entry, then positions). Every read of positions skips empty
ones. The tick then updates a row that exists, HOT when its page has room: `contest_position`
keeps room for one update of every row of a page (fillfactor POSITION_ROOM; pages written from
now on), as `contest_entry` does (migration 0040). Open buy orders of an earlier placement get
their rows here.

Revision ID: 0046
Revises: 0045
Create Date: 2026-11-30 16:20:00.000000+00:00
"""

from collections.abc import Sequence
from types import ModuleType

from alembic import op

from api.migrations import revision_module

revision: str = "0046"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSITION_ROOM = 50  # contest_position's fillfactor: every row of a page updated once by a tick
PREVIOUS_POSITION_ROOM = 85  # migration 0030

_POSITION_ROW = """        IF placed.side = 'buy' THEN
            INSERT INTO contest_position
                (entry_id, symbol, user_id, quantity, reserved, bought_today, cost)
            VALUES (placed.entry_id, placed.symbol, placed.user_id, 0, 0, 0, 0)
            ON CONFLICT (entry_id, symbol) DO NOTHING;
        END IF;
"""


def _resting_migration() -> ModuleType:
    return revision_module("0040")


def _place_order_with_position_rows() -> str:
    resting = _resting_migration()
    previous: str = resting._place_order_with_resting()
    block: str = resting._AND_RESTING
    if previous.count(block) != 1 or not block.endswith("    END IF;\n"):
        raise RuntimeError("contest_place_order (0040) no longer rests its order as expected")
    return previous.replace(
        block, block.removesuffix("    END IF;\n") + _POSITION_ROW + "    END IF;\n"
    )


def upgrade() -> None:
    # As migration 0040 did: no order placed by the old function commits between the backfill
    # and the new function, or it would rest with no position row.
    op.execute("LOCK TABLE contest_order IN SHARE ROW EXCLUSIVE MODE")
    op.execute(_place_order_with_position_rows())
    op.execute(f"ALTER TABLE contest_position SET (fillfactor = {POSITION_ROOM})")
    op.execute(
        "INSERT INTO contest_position"
        " (entry_id, symbol, user_id, quantity, reserved, bought_today, cost)"
        " SELECT DISTINCT o.entry_id, o.symbol, o.user_id, 0, 0, 0, 0"
        " FROM contest_resting_order r JOIN contest_order o ON o.id = r.order_id"
        " WHERE r.side = 'buy'"
        " ON CONFLICT (entry_id, symbol) DO NOTHING"
    )


def downgrade() -> None:
    op.execute(f"ALTER TABLE contest_position SET (fillfactor = {PREVIOUS_POSITION_ROOM})")
    op.execute(_resting_migration()._place_order_with_resting())
