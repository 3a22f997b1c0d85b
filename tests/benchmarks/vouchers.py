"""The redemption storm's data set (issue 6), and counting what the storm sold.

Products are created by the app's own `create_product`: one scarce product of 1,000 units and
100 plentiful ones of 10,000 units (fee and yield vouchers, 100 points each). 100,000 users
(see accounts.py) are funded with 1,000 points each as real ledger state, written with COPY in
the shape `gamification.ledger.operations.credit` gives an adjustment: a ledger account, a
transaction from issuance with its two entries (balance_after on the user's side only) and an
open lot. The database's own invariants (the deferred balance trigger, the checks) run on every
row, and `check_ledger` must pass afterwards.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.ids import new_id
from gamification.ledger.accounts import system_account
from gamification.ledger.models import AccountKind, Currency, TransactionKind
from gamification.vouchers.products import ProductDraft, create_product
from tests.benchmarks.accounts import (
    BenchUser,
    Connection,
    access_tokens,
    create_users,
    write_lines,
)

SCARCE_STOCK = 1_000
PLENTIFUL_PRODUCTS = 100
PLENTIFUL_STOCK = 10_000
POINTS_PRICE = 100
FUNDED_USERS = 100_000
FUNDING_POINTS = 1_000  # ten redemptions each: no one runs out during the storm
FUNDING_CHUNK = 25_000  # users funded per transaction
LOT_DAYS = 365
SKU_PREFIX = "bench-"
TOKENS_FILE = "vouchers-tokens.txt"
SCARCE_FILE = "vouchers-scarce.txt"
PLENTIFUL_FILE = "vouchers-plentiful.txt"


@dataclass(frozen=True)
class VoucherDataSet:
    products: int
    units: int
    funded_users: int
    points_funded: int


@dataclass(frozen=True)
class StockReport:
    """Per product, vouchers issued against its stock, after the storm."""

    products: int
    units: int
    issued: int
    scarce_issued: int
    scarce_remaining: int
    oversold_units: int  # issued beyond total stock, summed over the products
    stock_mismatches: int  # products whose remaining stock is not total minus issued
    unpaid_vouchers: int  # vouchers without a spend transaction of their price

    @property
    def exact(self) -> bool:
        return self.oversold_units == 0 and self.stock_mismatches == 0 and not self.unpaid_vouchers


async def prepare_vouchers(
    sessionmaker: async_sessionmaker[AsyncSession],
    conn: Connection,
    data_dir: Path,
    *,
    secret: str,
    now: datetime,
    password_hash: str,
) -> VoucherDataSet:
    async with sessionmaker.begin() as db:
        scarce = await create_product(db, _scarce(), now=now)
        plentiful = [
            await create_product(db, _plentiful(n), now=now) for n in range(PLENTIFUL_PRODUCTS)
        ]
    users = await create_users(
        conn, FUNDED_USERS, group="redeemer", now=now, password_hash=password_hash
    )
    for start in range(0, len(users), FUNDING_CHUNK):
        await _fund(conn, users[start : start + FUNDING_CHUNK], now)
    for table in _TABLES:
        await conn.execute(f"VACUUM ANALYZE {table}")
    write_lines(data_dir / TOKENS_FILE, access_tokens(users, secret, now))
    write_lines(data_dir / SCARCE_FILE, [str(scarce.id)])
    write_lines(data_dir / PLENTIFUL_FILE, (str(product.id) for product in plentiful))
    return VoucherDataSet(
        products=1 + len(plentiful),
        units=SCARCE_STOCK + PLENTIFUL_PRODUCTS * PLENTIFUL_STOCK,
        funded_users=len(users),
        points_funded=len(users) * FUNDING_POINTS,
    )


def _scarce() -> ProductDraft:
    return ProductDraft(
        sku=f"{SKU_PREFIX}scarce",
        kind="fee",
        title="基准稀缺券：A股交易免五（10笔）",
        title_en="Bench scarce: A-share commission waived up to ¥5, 10 trades",
        terms={"market": "cn_a_share", "waive_commission_up_to_cny": "5.00", "trades": 10},
        points_price=POINTS_PRICE,
        total_stock=SCARCE_STOCK,
        per_user_limit=1,
        validity_days=30,
    )


def _plentiful(n: int) -> ProductDraft:
    """Odd numbers: a yield boost on an R2 product (the users are C3: eligible); even: a fee
    rebate."""
    boost = n % 2 == 1
    return ProductDraft(
        sku=f"{SKU_PREFIX}{'yield' if boost else 'rebate'}-{n:03d}",
        kind="yield" if boost else "fee",
        title=f"基准加息券 {n}（+1.5%/年，7天）" if boost else f"基准佣金返还券 {n}（¥20）",
        title_en=f"Bench boost {n}: +1.5% a year for 7 days"
        if boost
        else f"Bench rebate {n}: ¥20 back on commission",
        terms={
            "product_name": "券商现金管理货币市场基金",
            "product_type": "money_market",
            "boost_pct_per_year": "1.50",
            "principal_cap_cny": "10000.00",
            "days": 7,
        }
        if boost
        else {"market": "cn_etf", "rebate_cny": "20.00"},
        product_risk_level="R2" if boost else None,
        points_price=POINTS_PRICE,
        total_stock=PLENTIFUL_STOCK,
        per_user_limit=2,
        validity_days=30,
    )


_TABLES = (
    "user_account",
    "auth_session",
    "ledger_account",
    "ledger_transaction",
    "ledger_entry",
    "ledger_lot",
    "voucher_product",
)


async def _fund(conn: Connection, users: list[BenchUser], now: datetime) -> None:
    """Credit each user FUNDING_POINTS from issuance, as `credit` (an adjustment) would; the
    new account holds the balance its one posting leaves."""
    issuance = system_account(AccountKind.ISSUANCE, Currency.POINTS)
    accounts, transactions, lots = [], [], []
    entries: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, int, int | None, datetime]] = []
    expires = now + timedelta(days=LOT_DAYS)
    for user in users:
        account, tx = new_id(), new_id()
        reason = json.dumps({"code": "adjustment", "note": "bench funding", "by": "bench"})
        accounts.append(
            (account, AccountKind.USER.value, Currency.POINTS.value, user.id, FUNDING_POINTS)
        )
        transactions.append(
            (tx, f"bench-fund:{user.id}", TransactionKind.ADJUST.value, _ref(user.id), reason, now)
        )
        entries.append((new_id(), tx, issuance, -FUNDING_POINTS, None, now))
        entries.append((new_id(), tx, account, FUNDING_POINTS, FUNDING_POINTS, now))
        lots.append((new_id(), account, tx, FUNDING_POINTS, FUNDING_POINTS, now, expires))
    async with conn.transaction():
        await conn.copy_records_to_table(
            "ledger_account",
            columns=["id", "kind", "currency", "user_id", "balance"],
            records=accounts,
        )
        await conn.copy_records_to_table(
            "ledger_transaction",
            columns=["id", "idempotency_key", "kind", "reference", "reason", "created_at"],
            records=transactions,
        )
        await conn.copy_records_to_table(
            "ledger_entry",
            columns=["id", "transaction_id", "account_id", "amount", "balance_after", "created_at"],
            records=entries,
        )
        await conn.copy_records_to_table(
            "ledger_lot",
            columns=[
                "id",
                "account_id",
                "transaction_id",
                "amount",
                "remaining",
                "earned_at",
                "expires_at",
            ],
            records=lots,
        )
        # The balance trigger runs once per entry at commit: let it plan with statistics that
        # count this transaction's rows (ANALYZE sees them), not those of an empty table.
        await conn.execute("ANALYZE ledger_account, ledger_transaction, ledger_entry")


def _ref(user_id: uuid.UUID) -> str:
    return f"adjustment:{user_id}"


async def count_stock(conn: Connection) -> StockReport:
    rows = await conn.fetch(
        "SELECT p.sku, p.total_stock, p.remaining_stock, count(v.id) AS issued"
        " FROM voucher_product p LEFT JOIN voucher v ON v.product_id = p.id"
        " WHERE p.sku LIKE $1 GROUP BY p.id",
        f"{SKU_PREFIX}%",
    )
    unpaid = await conn.fetchval(
        "SELECT count(*) FROM voucher v JOIN voucher_product p ON p.id = v.product_id"
        " LEFT JOIN ledger_transaction t ON t.id = v.debit_transaction_id AND t.kind = 'spend'"
        " LEFT JOIN ledger_entry e ON e.transaction_id = t.id AND e.amount = -v.points_price"
        " WHERE p.sku LIKE $1 AND e.id IS NULL",
        f"{SKU_PREFIX}%",
    )
    scarce = next(row for row in rows if row["sku"] == f"{SKU_PREFIX}scarce")
    return StockReport(
        products=len(rows),
        units=sum(row["total_stock"] for row in rows),
        issued=sum(row["issued"] for row in rows),
        scarce_issued=scarce["issued"],
        scarce_remaining=scarce["remaining_stock"],
        oversold_units=sum(max(0, row["issued"] - row["total_stock"]) for row in rows),
        stock_mismatches=sum(
            row["remaining_stock"] != row["total_stock"] - row["issued"] for row in rows
        ),
        unpaid_vouchers=int(unpaid or 0),
    )
