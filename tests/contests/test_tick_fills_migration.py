"""Migration 0050 down: the fills the tick recorded on their orders go back to the journal, as
the journal's rows the view showed."""

import asyncio
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg

from api.migrations import downgrade, upgrade
from tests.databases import asyncpg_dsn

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)


async def _rest_and_fill(conn: asyncpg.Connection, order_id: uuid.UUID) -> None:
    contest_id, user_id, entry_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await conn.execute(
        "INSERT INTO contest (id, title_zh, title_en, starts_at, ends_at, registration_ends_at,"
        " late_entry, starting_cash, market_hours, universe_symbols, universe_boards,"
        " rule_pack, commission_rate, commission_min, stamp_duty_rate, transfer_fee_rate,"
        " t_plus_one, entrants, ranking, min_round_trips, min_trading_days, prizes,"
        " created_at, updated_at) VALUES ($1, '测试', 'Test', $2::timestamptz,"
        " $2::timestamptz + interval '30 days', $2::timestamptz + interval '30 days', true,"
        " 1000000, 'always', '{}', '{}', 'cn_a_share', 0.00025, 5, 0.0005, 0.00001, true, 1,"
        " 'return', 0, 0, '[]', $2, $2)",
        contest_id,
        NOW,
    )
    await conn.execute(
        "INSERT INTO user_account (id, email, password_hash, display_name, locale, timezone,"
        " roles, password_changed_at, created_at, public_boards) VALUES ($1, 'a@test.example',"
        " 'x', 'a', 'zh-CN', 'Asia/Shanghai', ARRAY['learner'], $2, $2, true)",
        user_id,
        NOW,
    )
    await conn.execute(
        "INSERT INTO contest_entry (id, contest_id, user_id, joined_at, starting_cash, cash,"
        " cash_held, fees_paid, orders_in_window)"
        " VALUES ($1, $2, $3, $4, 1000000, 998014.98, 0, 5.02, 1)",
        entry_id,
        contest_id,
        user_id,
        NOW,
    )
    # A sell of 300 at 10.20 the tick filled: commission 5.00, stamp duty 1.53, transfer 0.03.
    await conn.execute(
        "INSERT INTO contest_order (id, contest_id, entry_id, user_id, client_order_id,"
        " request_hash, symbol, side, type, quantity, limit_price, status, filled_quantity,"
        " avg_fill_price, commission, stamp_duty, transfer_fee, cash_held, filled_at,"
        " fill_trading_day, fill_at_limit_up, trading_day, expires_at, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, 'c', repeat('0', 64), '600519.SH', 'sell', 'limit', 300,"
        " 10.20, 'filled', 300, 10.20, 5.00, 1.53, 0.03, 0, $5, $6, false, $6, $5, $5, $5)",
        order_id,
        contest_id,
        entry_id,
        user_id,
        NOW,
        DAY,
    )


async def test_downgrading_writes_the_recorded_fills_into_the_journal(
    scratch_database: str,
) -> None:
    await asyncio.to_thread(upgrade, scratch_database)
    conn = await asyncpg.connect(asyncpg_dsn(scratch_database))
    order_id = uuid.uuid4()
    columns = "order_id, side, quantity, price, notional, cash_delta, trading_day, filled_at"
    try:
        await _rest_and_fill(conn, order_id)
        viewed = await conn.fetchrow(f"SELECT {columns} FROM contest_all_fills")
        assert viewed is not None
        assert tuple(viewed)[4:6] == (Decimal("3060.00"), Decimal("3053.44"))
        await asyncio.to_thread(downgrade, scratch_database, "0049")
        journalled = await conn.fetch(f"SELECT {columns} FROM contest_fill")
        assert [tuple(row) for row in journalled] == [tuple(viewed)]
        await asyncio.to_thread(upgrade, scratch_database)
    finally:
        await conn.close()
