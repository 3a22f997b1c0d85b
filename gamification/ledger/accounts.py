"""Which ledger account holds what: one points and one XP account per user, and the system
accounts, whose ids are fixed (created by migration 0004) so postings never look them up."""

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from gamification.ledger.models import AccountKind, Currency, LedgerAccount

SYSTEM_ACCOUNTS: dict[tuple[AccountKind, Currency], uuid.UUID] = {
    (AccountKind.ISSUANCE, Currency.POINTS): uuid.UUID("00000000-0000-7000-8000-000000000001"),
    (AccountKind.REDEMPTION, Currency.POINTS): uuid.UUID("00000000-0000-7000-8000-000000000002"),
    (AccountKind.EXPIRY, Currency.POINTS): uuid.UUID("00000000-0000-7000-8000-000000000003"),
    (AccountKind.ISSUANCE, Currency.XP): uuid.UUID("00000000-0000-7000-8000-000000000004"),
}
SYSTEM_ACCOUNT_IDS = frozenset(SYSTEM_ACCOUNTS.values())


def system_account(kind: AccountKind, currency: Currency) -> uuid.UUID:
    return SYSTEM_ACCOUNTS[(kind, currency)]


# Statements on the posting hot path are built once; only their parameters change.
_OPEN_ACCOUNT = (
    insert(LedgerAccount)
    .values(
        id=sa.bindparam("id"),
        kind=AccountKind.USER.value,
        currency=sa.bindparam("currency"),
        user_id=sa.bindparam("user_id"),
        balance=0,
    )
    .on_conflict_do_nothing(
        index_elements=["user_id", "currency"], index_where=sa.text("user_id IS NOT NULL")
    )
)
_AMOUNT = sa.bindparam("amount", type_=sa.BigInteger)
# Find, lock and move a user's balance in one statement; never below zero. (An UPDATE
# reserves bind names equal to column names, hence `owner` and `in_currency`.)
_MOVE_BALANCE_OF = (
    sa.update(LedgerAccount)
    .where(
        col(LedgerAccount.user_id) == sa.bindparam("owner"),
        col(LedgerAccount.currency) == sa.bindparam("in_currency"),
        col(LedgerAccount.balance) + _AMOUNT >= 0,
    )
    .values(balance=col(LedgerAccount.balance) + _AMOUNT)
    .returning(col(LedgerAccount.id), col(LedgerAccount.balance))
)


async def move_user_balance(
    db: AsyncSession, user_id: uuid.UUID, currency: Currency, amount: int
) -> tuple[uuid.UUID, int] | None:
    """Add `amount` to the user's balance in `currency`, locking the account row; return the
    account and its new balance, or None when the user has no such account or the balance
    cannot cover a debit."""
    params = {"owner": user_id, "in_currency": currency.value, "amount": amount}
    row = (await db.execute(_MOVE_BALANCE_OF, params)).first()
    return None if row is None else (row[0], int(row[1]))


async def credit_user_account(
    db: AsyncSession, user_id: uuid.UUID, currency: Currency, amount: int
) -> tuple[uuid.UUID, int]:
    """Add `amount` (> 0) to the user's account in `currency`, opened on first use; return the
    account and its new balance."""
    moved = await move_user_balance(db, user_id, currency, amount)
    if moved is None:
        params = {"user_id": user_id, "currency": currency.value, "id": new_id()}
        await db.execute(_OPEN_ACCOUNT, params)
        moved = await move_user_balance(db, user_id, currency, amount)
        assert moved is not None
    return moved


# A bulk award's accounts, locked in the order given: the sort comes before the row locks, so
# concurrent awards that list their users in one order cannot deadlock.
_LOCK_IN_ORDER = sa.text(
    """
    SELECT a.user_id, a.currency, a.id
    FROM unnest(CAST(:owners AS uuid[]), CAST(:currencies AS text[]))
        WITH ORDINALITY AS wanted(owner, currency, position)
    JOIN ledger_account a ON a.user_id = wanted.owner AND a.currency = wanted.currency
    ORDER BY wanted.position
    FOR UPDATE OF a
    """
)
_ADD_TO_BALANCES = sa.text(
    """
    UPDATE ledger_account a SET balance = a.balance + moved.amount
    FROM unnest(CAST(:ids AS uuid[]), CAST(:amounts AS bigint[])) AS moved(id, amount)
    WHERE a.id = moved.id
    RETURNING a.id, a.balance
    """
)


async def credit_user_accounts(
    db: AsyncSession, credits: list[tuple[uuid.UUID, Currency, int]]
) -> list[tuple[uuid.UUID, int]]:
    """`credit_user_account` for each (user, currency, amount > 0), in one go: for each, in
    order, the account and its balance just after that credit (as if credited one by one)."""
    if not credits:
        return []
    wanted = list(dict.fromkeys((user_id, currency.value) for user_id, currency, _ in credits))
    params = {"owners": [u for u, _ in wanted], "currencies": [c for _, c in wanted]}
    accounts = {(u, c): a for u, c, a in (await db.execute(_LOCK_IN_ORDER, params)).all()}
    missing = [(u, c) for u, c in wanted if (u, c) not in accounts]
    if missing:  # opened after the existing ones are locked; new rows are ours until commit
        rows = [{"user_id": u, "currency": c, "id": new_id()} for u, c in missing]
        await db.execute(_OPEN_ACCOUNT, rows)
        accounts = {(u, c): a for u, c, a in (await db.execute(_LOCK_IN_ORDER, params)).all()}
    totals: dict[uuid.UUID, int] = {}
    for user_id, currency, amount in credits:
        account = accounts[(user_id, currency.value)]
        totals[account] = totals.get(account, 0) + amount
    moved = {"ids": list(totals), "amounts": list(totals.values())}
    after = {
        account: int(balance) for account, balance in await db.execute(_ADD_TO_BALANCES, moved)
    }
    # Walk the credits in order from each balance before them all.
    balances = {account: after[account] - total for account, total in totals.items()}
    result = []
    for user_id, currency, amount in credits:
        account = accounts[(user_id, currency.value)]
        balances[account] += amount
        result.append((account, balances[account]))
    return result
