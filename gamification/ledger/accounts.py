"""Which ledger account holds what: one points and one XP account per user (opened on first
credit, by the database functions of migration 0011), and the system accounts, whose ids are
fixed (created by migration 0004, and written into those functions) so postings never look them
up."""

import uuid

from gamification.ledger.models import AccountKind, Currency

SYSTEM_ACCOUNTS: dict[tuple[AccountKind, Currency], uuid.UUID] = {
    (AccountKind.ISSUANCE, Currency.POINTS): uuid.UUID("00000000-0000-7000-8000-000000000001"),
    (AccountKind.REDEMPTION, Currency.POINTS): uuid.UUID("00000000-0000-7000-8000-000000000002"),
    (AccountKind.EXPIRY, Currency.POINTS): uuid.UUID("00000000-0000-7000-8000-000000000003"),
    (AccountKind.ISSUANCE, Currency.XP): uuid.UUID("00000000-0000-7000-8000-000000000004"),
}
SYSTEM_ACCOUNT_IDS = frozenset(SYSTEM_ACCOUNTS.values())


def system_account(kind: AccountKind, currency: Currency) -> uuid.UUID:
    return SYSTEM_ACCOUNTS[(kind, currency)]
