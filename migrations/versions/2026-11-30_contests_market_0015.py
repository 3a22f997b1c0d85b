"""contests market: instruments with their board rules and simulator parameters, one live quote
per instrument, one-minute and daily bars, and the simulated index level; prices NUMERIC, the
lot, tick, band and OHLC invariants as CHECK constraints

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 02:08:13.911803+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contest_instrument",
        sa.Column("symbol", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("name_zh", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("board", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("risk_warning", sa.Boolean(), nullable=False),
        sa.Column("t_plus_zero", sa.Boolean(), nullable=False),
        sa.Column("lot_size", sa.Integer(), nullable=False),
        sa.Column("lot_step", sa.Integer(), nullable=False),
        sa.Column("tick_size", sa.Numeric(precision=4, scale=3), nullable=False),
        sa.Column("limit_pct", sa.Numeric(precision=4, scale=1), nullable=False),
        sa.Column("reference_price", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("drift", sa.Numeric(precision=5, scale=3), nullable=False),
        sa.Column("volatility", sa.Numeric(precision=5, scale=3), nullable=False),
        sa.Column("beta", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.CheckConstraint(
            "board IN ('sh_main', 'sz_main', 'chinext', 'star', 'bse')",
            name=op.f("ck_contest_instrument_board"),
        ),
        sa.CheckConstraint("kind IN ('stock', 'etf')", name=op.f("ck_contest_instrument_kind")),
        sa.CheckConstraint(
            "symbol ~ '^[0-9]{6}\\.(SH|SZ|BJ)$'", name=op.f("ck_contest_instrument_symbol_format")
        ),
        sa.CheckConstraint(
            "limit_pct > 0 AND limit_pct <= 30", name=op.f("ck_contest_instrument_limit_pct")
        ),
        sa.CheckConstraint(
            "lot_size > 0 AND lot_step > 0 AND lot_step <= lot_size",
            name=op.f("ck_contest_instrument_lots"),
        ),
        sa.CheckConstraint(
            "reference_price > 0", name=op.f("ck_contest_instrument_reference_price_positive")
        ),
        sa.CheckConstraint(
            "tick_size IN (0.01, 0.001)", name=op.f("ck_contest_instrument_tick_size")
        ),
        sa.CheckConstraint(
            "volatility > 0 AND volatility <= 2", name=op.f("ck_contest_instrument_volatility")
        ),
        sa.PrimaryKeyConstraint("symbol", name=op.f("pk_contest_instrument")),
    )
    op.create_index(
        op.f("ix_contest_instrument_board"), "contest_instrument", ["board"], unique=False
    )
    op.create_table(
        "contest_market_index",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name_zh", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("trading_day", sa.Date(), nullable=False),
        sa.Column("prev_close", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("level", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "level > 0 AND prev_close > 0", name=op.f("ck_contest_market_index_levels_positive")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_contest_market_index")),
    )
    op.create_table(
        "contest_bar",
        sa.Column("symbol", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("span", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("open_price", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("high_price", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("low_price", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("close_price", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("volume", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("span IN ('1m', '1d')", name=op.f("ck_contest_bar_span")),
        sa.CheckConstraint(
            "low_price > 0 AND low_price <= open_price AND low_price <= close_price AND high_price >= open_price AND high_price >= close_price",
            name=op.f("ck_contest_bar_ohlc"),
        ),
        sa.CheckConstraint("volume >= 0", name=op.f("ck_contest_bar_volume_not_negative")),
        sa.ForeignKeyConstraint(
            ["symbol"],
            ["contest_instrument.symbol"],
            name=op.f("fk_contest_bar_symbol_contest_instrument"),
        ),
        sa.PrimaryKeyConstraint("symbol", "span", "starts_at", name=op.f("pk_contest_bar")),
    )
    op.create_table(
        "contest_quote",
        sa.Column("symbol", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("trading_day", sa.Date(), nullable=False),
        sa.Column("prev_close", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("open_price", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("high_price", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("low_price", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("last_price", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("volume", sa.BigInteger(), nullable=False),
        sa.Column("quoted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "low_price <= last_price AND last_price <= high_price",
            name=op.f("ck_contest_quote_last_within_day_range"),
        ),
        sa.CheckConstraint(
            "prev_close > 0 AND last_price > 0", name=op.f("ck_contest_quote_prices_positive")
        ),
        sa.CheckConstraint("volume >= 0", name=op.f("ck_contest_quote_volume_not_negative")),
        sa.ForeignKeyConstraint(
            ["symbol"],
            ["contest_instrument.symbol"],
            name=op.f("fk_contest_quote_symbol_contest_instrument"),
        ),
        sa.PrimaryKeyConstraint("symbol", name=op.f("pk_contest_quote")),
    )


def downgrade() -> None:
    op.drop_table("contest_quote")
    op.drop_table("contest_bar")
    op.drop_table("contest_market_index")
    op.drop_index(op.f("ix_contest_instrument_board"), table_name="contest_instrument")
    op.drop_table("contest_instrument")
