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
_ACCOUNT_OF = sa.select(col(LedgerAccount.id)).where(
    col(LedgerAccount.user_id) == sa.bindparam("user_id"),
    col(LedgerAccount.currency) == sa.bindparam("currency"),
)
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


async def user_account_id(db: AsyncSession, user_id: uuid.UUID, currency: Currency) -> uuid.UUID:
    """The user's account in `currency`, opened on first use (safe under concurrency)."""
    params = {"user_id": user_id, "currency": currency.value}
    existing = await db.scalar(_ACCOUNT_OF, params)
    if existing is not None:
        return existing
    await db.execute(_OPEN_ACCOUNT, {**params, "id": new_id()})
    opened = await db.scalar(_ACCOUNT_OF, params)
    assert opened is not None
    return opened
