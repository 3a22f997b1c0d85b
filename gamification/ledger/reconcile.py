"""`investquest ledger check`: recompute every balance from the entries and report each break."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

CHECK_TIMEOUT = "10min"

# Each check is one query returning a row per break, described in its first column.
CHECKS: dict[str, str] = {
    "cached balance differs from its entries": """
        SELECT 'account ' || a.id || ': balance ' || a.balance
            || ', entries ' || COALESCE(SUM(e.amount), 0)
        FROM ledger_account a LEFT JOIN ledger_entry e ON e.account_id = a.id
        WHERE a.user_id IS NOT NULL
        GROUP BY a.id HAVING a.balance <> COALESCE(SUM(e.amount), 0)""",
    "currency does not sum to zero": """
        SELECT a.currency || ': ' || SUM(e.amount)
        FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
        GROUP BY a.currency HAVING SUM(e.amount) <> 0""",
    "transaction does not sum to zero": """
        SELECT 'transaction ' || e.transaction_id || ' (' || a.currency || '): ' || SUM(e.amount)
        FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
        GROUP BY e.transaction_id, a.currency HAVING SUM(e.amount) <> 0""",
    "negative user balance": """
        SELECT 'account ' || id || ': ' || balance FROM ledger_account
        WHERE user_id IS NOT NULL AND balance < 0""",
    "lots disagree with the balance": """
        SELECT 'account ' || a.id || ': balance ' || a.balance
            || ', lots ' || COALESCE(SUM(l.remaining), 0)
        FROM ledger_account a LEFT JOIN ledger_lot l ON l.account_id = a.id
        WHERE a.user_id IS NOT NULL AND a.currency = 'points'
        GROUP BY a.id HAVING a.balance <> COALESCE(SUM(l.remaining), 0)""",
    "last balance_after differs from the balance": """
        SELECT 'account ' || a.id || ': balance ' || a.balance
            || ', last balance_after ' || last.balance_after
        FROM ledger_account a
        JOIN LATERAL (
            SELECT balance_after FROM ledger_entry WHERE account_id = a.id ORDER BY seq DESC LIMIT 1
        ) last ON true
        WHERE a.user_id IS NOT NULL AND last.balance_after IS DISTINCT FROM a.balance""",
}


async def check_ledger(db: AsyncSession) -> list[str]:
    """Every break found, as `check: detail` lines; empty when the books balance."""
    # Whole-table aggregates outgrow the per-request statement timeout; give them their own.
    await db.execute(sa.text(f"SET LOCAL statement_timeout = '{CHECK_TIMEOUT}'"))
    breaks = []
    for name, query in CHECKS.items():
        rows = await db.execute(sa.text(query))
        breaks += [f"{name}: {detail}" for (detail,) in rows.all()]
    return breaks
