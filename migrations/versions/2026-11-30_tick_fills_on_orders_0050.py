"""tick_fills_on_orders: the market tick records a resting order's fill on the order row it
marks filled, instead of journalling it in a `contest_fill` row of its own

A resting limit order fills whole, once, at its limit price (`ck_contest_order_filled`): the
order row the tick marks filled already holds its quantity, price and fees, so a `contest_fill`
row repeated them, at the price of a row and three index entries per fill. On the standings
bench's data set that was about 40% of the tick's fill statement. The tick now sets what the
order row lacked, `filled_at`, `fill_trading_day` and `fill_at_limit_up`, in its update in place
(no index of `contest_order` holds them, so the update stays HOT). Orders filled by placement
(`contest_place_order`, which now builds its order row with these columns, empty) keep their
`contest_fill` row.

Every read of fills reads the view `contest_all_fills`: the journalled fills and the fills
recorded on their orders, in the journal's columns (a recorded fill's id is its order's id;
its notional and cash delta are computed as the tick computed them).

Revision ID: 0050
Revises: 0049
Create Date: 2026-11-30 22:10:00.000000+00:00
"""

from collections.abc import Sequence
from types import ModuleType

from alembic import op

from api.migrations import revision_module

revision: str = "0050"
down_revision: str | None = "0049"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `contest_place_order` builds its order row column by column: the three new ones are empty.
_ROW_END = "p_now, p_now\n    )::contest_order;"
_ROW_END_WITH_FILL = "p_now, p_now, NULL, NULL, NULL\n    )::contest_order;"

_ALL_FILLS = """
CREATE VIEW contest_all_fills AS
SELECT id, order_id, contest_id, entry_id, user_id, symbol, side, quantity, price, notional,
       commission, stamp_duty, transfer_fee, cash_delta, at_limit_up, trading_day, filled_at
FROM contest_fill
UNION ALL
SELECT o.id, o.id, o.contest_id, o.entry_id, o.user_id, o.symbol, o.side, o.filled_quantity,
       o.avg_fill_price, v.notional, o.commission, o.stamp_duty, o.transfer_fee,
       CASE o.side WHEN 'buy' THEN -v.notional ELSE v.notional END
           - o.commission - o.stamp_duty - o.transfer_fee,
       o.fill_at_limit_up, o.fill_trading_day, o.filled_at
FROM contest_order AS o
CROSS JOIN LATERAL (SELECT round(o.avg_fill_price * o.filled_quantity, 2) AS notional) AS v
WHERE o.filled_at IS NOT NULL
"""


def _position_rows_migration() -> ModuleType:
    return revision_module("0046")


def _place_order_with_fill_columns() -> str:
    previous: str = _position_rows_migration()._place_order_with_position_rows()
    if previous.count(_ROW_END) != 1:
        raise RuntimeError("contest_place_order (0046) no longer builds its order row as expected")
    return previous.replace(_ROW_END, _ROW_END_WITH_FILL)


def upgrade() -> None:
    op.execute(
        "ALTER TABLE contest_order ADD COLUMN filled_at timestamptz,"
        " ADD COLUMN fill_trading_day date, ADD COLUMN fill_at_limit_up boolean"
    )
    # Written by the tick only, on the order it marks filled, all three at once.
    op.execute(
        "ALTER TABLE contest_order ADD CONSTRAINT ck_contest_order_tick_fill CHECK ("
        "(filled_at IS NULL) = (fill_trading_day IS NULL)"
        " AND (filled_at IS NULL) = (fill_at_limit_up IS NULL)"
        " AND (filled_at IS NULL OR status = 'filled'))"
    )
    op.execute(_place_order_with_fill_columns())
    op.execute(_ALL_FILLS)


def downgrade() -> None:
    op.execute("DROP VIEW contest_all_fills")
    # The fills recorded on their orders go back to the journal.
    op.execute(
        "INSERT INTO contest_fill"
        " (id, order_id, contest_id, entry_id, user_id, symbol, side, quantity, price,"
        " notional, commission, stamp_duty, transfer_fee, cash_delta, at_limit_up, trading_day,"
        " filled_at)"
        " SELECT contest_new_id(), o.id, o.contest_id, o.entry_id, o.user_id, o.symbol, o.side,"
        " o.filled_quantity, o.avg_fill_price, v.notional, o.commission, o.stamp_duty,"
        " o.transfer_fee, CASE o.side WHEN 'buy' THEN -v.notional ELSE v.notional END"
        " - o.commission - o.stamp_duty - o.transfer_fee, o.fill_at_limit_up,"
        " o.fill_trading_day, o.filled_at"
        " FROM contest_order AS o"
        " CROSS JOIN LATERAL"
        " (SELECT round(o.avg_fill_price * o.filled_quantity, 2) AS notional) AS v"
        " WHERE o.filled_at IS NOT NULL"
    )
    op.execute(
        "ALTER TABLE contest_order DROP CONSTRAINT ck_contest_order_tick_fill,"
        " DROP COLUMN filled_at, DROP COLUMN fill_trading_day, DROP COLUMN fill_at_limit_up"
    )
    op.execute(_position_rows_migration()._place_order_with_position_rows())
