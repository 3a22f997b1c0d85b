"""The paper-trading scenarios of issue 12 for `make bench`: market orders and portfolio reads
over HTTP, each compared with B-db (marks: orders/s >= 0.2x, portfolio rps >= 0.25x).

The data set: the shipped instruments (`seed/instruments.yaml`) with their quotes, one
`always` contest (it trades at any hour, so the bench does not depend on the exchanges'
sessions) and TRADERS learners entered in it, each holding POSITIONS positions, so a portfolio
read values a realistic book. Entries and positions are written straight into the tables, as
the app's own joining and fills leave them. Orders buy one lot of an instrument priced under
CHEAP_PRICE with a fresh `client_order_id` each, so no trader runs out of cash or of its
order rate (CONTEST_ORDERS_PER_MINUTE) during a run.
"""

from collections.abc import Callable, Set
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.contests.market_seed import load_seed_instruments
from api.seed import SEED_DIR
from core.ids import new_id
from tests.benchmarks.accounts import Connection, access_tokens, create_users, write_lines

ORDERS = "contest market order"
PORTFOLIO = "contest portfolio"
ORDERS_PATH = "/v1/contests/{id}/orders"
PORTFOLIO_PATH = "/v1/contests/{id}/portfolio"
ORDERS_SCRIPT = "contest_order.lua"
PORTFOLIO_SCRIPT = "contest_portfolio.lua"
TRADERS = 10_000
POSITIONS = 3
STARTING_CASH = 10_000_000
CHEAP_PRICE = 30  # yuan: a lot of 100 costs at most 3,000, so cash lasts thousands of orders
TOKENS_FILE = "contests-tokens.txt"
CONTEST_FILE = "contests-contest.txt"
SYMBOLS_FILE = "contests-symbols.txt"
# (`--only` key, name, path, wrk script): the bench's scenarios, each compared with B-db.
SCENARIOS = (
    ("orders", ORDERS, ORDERS_PATH, ORDERS_SCRIPT),
    ("portfolio", PORTFOLIO, PORTFOLIO_PATH, PORTFOLIO_SCRIPT),
)
# (issue, figure, scenario, mark): each the scenario's rps over B-db's, at one worker.
MARKS = (
    (12, "market orders/s / B-db rps", ORDERS, 0.2),
    (12, "portfolio read rps / B-db rps", PORTFOLIO, 0.25),
)


async def prepare_contests(
    sessionmaker: async_sessionmaker[AsyncSession],
    conn: Connection,
    data_dir: Path,
    *,
    secret: str,
    now: datetime,
    password_hash: str,
) -> int:
    """The contest, its TRADERS entrants and their positions, and the files the Lua scripts
    read; returns the number of traders."""
    async with sessionmaker.begin() as db:
        await load_seed_instruments(db, SEED_DIR)
    users = await create_users(conn, TRADERS, group="trader", now=now, password_hash=password_hash)
    contest_id = new_id()
    await conn.execute(
        "INSERT INTO contest (id, title_zh, title_en, starts_at, ends_at, registration_ends_at,"
        " late_entry, starting_cash, market_hours, universe_symbols, universe_boards, rule_pack,"
        " commission_rate, commission_min, stamp_duty_rate, transfer_fee_rate, t_plus_one,"
        " entrants, ranking, min_round_trips, min_trading_days, prizes, created_at, updated_at)"
        " VALUES ($1, '基准练习场', 'Bench arena', $2, $3, $3, true, $4, 'always', '{}', '{}',"
        " 'cn_a_share', 0.00025, 5, 0.0005, 0.00001, true, $5, 'return', 0, 0, '[]', $2, $2)",
        contest_id,
        now - timedelta(days=1),
        now + timedelta(days=30),
        STARTING_CASH,
        len(users),
    )
    await conn.copy_records_to_table(
        "contest_entry",
        columns=[
            "id",
            "contest_id",
            "user_id",
            "joined_at",
            "starting_cash",
            "cash",
            "cash_held",
            "fees_paid",
            "orders_in_window",
        ],
        records=[
            (new_id(), contest_id, user.id, now, STARTING_CASH, STARTING_CASH, 0, 0, 0)
            for user in users
        ],
    )
    # POSITIONS instruments each, held since yesterday (sellable), cost at today's price.
    await conn.execute(
        "WITH symbols AS (SELECT array_agg(symbol ORDER BY symbol) AS s FROM contest_quote)"
        " INSERT INTO contest_position (entry_id, symbol, user_id, quantity, reserved,"
        " bought_today, bought_on, cost)"
        " SELECT e.id, q.symbol, e.user_id, 1000, 0, 0, NULL, q.last_price * 1000"
        " FROM contest_entry e CROSS JOIN symbols"
        " CROSS JOIN LATERAL generate_series(1, $2::integer) AS pick"
        " JOIN contest_quote q"
        "   ON q.symbol = symbols.s[1 + (abs(hashtext(e.id::text)) + pick * 7)"
        "                               % cardinality(symbols.s)]"
        " WHERE e.contest_id = $1",
        contest_id,
        POSITIONS,
    )
    cheap = await conn.fetch(
        "SELECT q.symbol FROM contest_quote q JOIN contest_instrument i USING (symbol)"
        " WHERE q.last_price < $1 AND i.lot_size = 100 ORDER BY q.symbol",
        CHEAP_PRICE,
    )
    for table in ("contest_entry", "contest_position"):
        await conn.execute(f"VACUUM ANALYZE {table}")
    write_lines(data_dir / TOKENS_FILE, access_tokens(users, secret, now))
    write_lines(data_dir / CONTEST_FILE, [str(contest_id)])
    write_lines(data_dir / SYMBOLS_FILE, (row["symbol"] for row in cheap))
    return len(users)


def marks(ratio: Callable[[str], float], ran: Set[str]) -> list[tuple[int, str, float, float]]:
    """(issue, figure, value, at least) for each mark whose scenario ran, `ratio` giving a
    scenario's rps over its baseline's."""
    return [
        (issue, figure, ratio(scenario), good)
        for issue, figure, scenario, good in MARKS
        if scenario in ran
    ]
