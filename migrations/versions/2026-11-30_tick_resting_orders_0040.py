"""tick_resting_orders: the open limit orders in a narrow table of their own, so that a fill's
update of its order row can be HOT; room for a tick's update of every entry on a page

An order's `status` was in the predicates of the two partial indexes the tick searched
(`ix_contest_order_resting`, `ix_contest_order_due`), so no update that changed it could be
HOT: each fill wrote three new index entries for its order (its key, its place in the entry's
list, its client id), on pages all over those indexes. `contest_resting_order` now holds one
row per open limit order (inserted by `contest_place_order` when an order rests, deleted when
it fills, is cancelled or expires), with only what matching searches and orders by; the tick
scans and locks it, and the order row is updated once, in place. `contest_order` keeps room on
its pages for that one update (fillfactor RESTING_ROOM; pages written from now on).

An entry's row is updated once per tick for each of its chunks' fills (cash, cash held, fees),
and a tick may fill orders of every entry on a page, as the standings bench's does (100,000
orders of 1,000,000 entries, entries next to each other). At fillfactor 70 a page had room
for the new versions of about half its rows: the other third of the tick's entry updates were
not HOT, each writing the row's key into the table's four indexes, on random pages (at
1,000,000 entries 249 MB of the tick's 644 MB of WAL, 90% of it full page images). At
ENTRY_ROOM every row of a page can be updated once, HOT (100% measured); the table takes about
1.4 times the pages it took at 70 (pages written from now on).

A resting row exists exactly while its order is `open`: the same statement or transaction that
ends the order deletes it, and each path locks the resting row before the order row (the
tick and the expiry with SKIP LOCKED, a cancel by deleting it first), so a tick and a cancel
never wait on each other in a cycle and never both end one order. No foreign key: the row is
written only with its order, in the same statement, as migration 0036 argued for the fills.

Revision ID: 0040
Revises: 0039
Create Date: 2026-11-30 13:30:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

from api.migrations import revision_module

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESTING_ROOM = 50  # contest_order's fillfactor: a resting order is updated once, when it ends
ENTRY_ROOM = 50  # contest_entry's: every row of a page updated once by one tick, in place
PREVIOUS_ENTRY_ROOM = 70  # migration 0036

_ORDER_INSERTED = "    INSERT INTO contest_order SELECT (placed).*;\n"
_AND_RESTING = """    IF placed.status = 'open' THEN
        INSERT INTO contest_resting_order (order_id, entry_id, symbol, side, limit_price,
                                           expires_at)
        VALUES (placed.id, placed.entry_id, placed.symbol, placed.side, placed.limit_price,
                placed.expires_at);
    END IF;
"""


def _place_order_with_resting() -> str:
    previous: str = revision_module("0035").CONTEST_PLACE_ORDER
    if previous.count(_ORDER_INSERTED) != 1:
        raise RuntimeError("contest_place_order (0035) no longer inserts its order as expected")
    return previous.replace(_ORDER_INSERTED, _ORDER_INSERTED + _AND_RESTING)


def upgrade() -> None:
    # Before the backfill: an order placed by the old `contest_place_order` (a replica not yet
    # redeployed) and committed after the backfill read `contest_order` would stay open with no
    # resting row (never filled nor expired, its cancel a 409, its cash held for good). SHARE ROW
    # EXCLUSIVE waits for the writes in flight and holds off new ones until the new function is
    # in place and this transaction commits; reads go on.
    op.execute("LOCK TABLE contest_order IN SHARE ROW EXCLUSIVE MODE")
    op.execute(
        """
        CREATE TABLE contest_resting_order (
            order_id uuid NOT NULL,
            entry_id uuid NOT NULL,
            symbol varchar(16) NOT NULL,
            side varchar(4) NOT NULL,
            limit_price numeric(14, 3) NOT NULL,
            expires_at timestamptz NOT NULL,
            CONSTRAINT pk_contest_resting_order PRIMARY KEY (order_id)
        )
        """
    )
    op.execute(
        "INSERT INTO contest_resting_order"
        " (order_id, entry_id, symbol, side, limit_price, expires_at)"
        " SELECT id, entry_id, symbol, side, limit_price, expires_at FROM contest_order"
        " WHERE status = 'open'"
    )
    op.execute(
        "CREATE INDEX ix_contest_resting_order_symbol_side_limit_price"
        " ON contest_resting_order (symbol, side, limit_price)"
    )
    op.execute(
        "CREATE INDEX ix_contest_resting_order_expires_at ON contest_resting_order (expires_at)"
    )
    op.execute(_place_order_with_resting())
    op.drop_index("ix_contest_order_resting", table_name="contest_order")
    op.drop_index("ix_contest_order_due", table_name="contest_order")
    op.execute(f"ALTER TABLE contest_order SET (fillfactor = {RESTING_ROOM})")
    op.execute(f"ALTER TABLE contest_entry SET (fillfactor = {ENTRY_ROOM})")


def downgrade() -> None:
    op.execute(f"ALTER TABLE contest_entry SET (fillfactor = {PREVIOUS_ENTRY_ROOM})")
    op.execute("ALTER TABLE contest_order RESET (fillfactor)")
    op.execute(
        "CREATE INDEX ix_contest_order_due ON contest_order (expires_at) WHERE status = 'open'"
    )
    op.execute(
        "CREATE INDEX ix_contest_order_resting ON contest_order (symbol, side, limit_price)"
        " WHERE status = 'open'"
    )
    op.execute(revision_module("0035").CONTEST_PLACE_ORDER)
    op.execute("DROP TABLE contest_resting_order")
