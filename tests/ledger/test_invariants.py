"""Raw SQL that breaks a ledger invariant is refused by the database itself."""

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import FrozenClock
from gamification.ledger.accounts import SYSTEM_ACCOUNTS
from gamification.ledger.models import AccountKind, Currency
from gamification.ledger.operations import earn
from tests.factories import UserFactory

ISSUANCE = SYSTEM_ACCOUNTS[(AccountKind.ISSUANCE, Currency.POINTS)]
REDEMPTION = SYSTEM_ACCOUNTS[(AccountKind.REDEMPTION, Currency.POINTS)]


async def funded(db: AsyncSession, user_factory: UserFactory, clock: FrozenClock) -> uuid.UUID:
    user = await user_factory()
    await earn(
        db,
        user_id=user.id,
        points=50,
        xp=0,
        key=f"seed:{user.id}",
        reference="t",
        reason={},
        now=clock.now(),
    )
    await db.flush()
    return user.id


async def new_transaction(db: AsyncSession) -> uuid.UUID:
    tx = uuid.uuid4()
    await db.execute(
        sa.text(
            "INSERT INTO ledger_transaction (id, idempotency_key, kind, reference, reason, created_at) "
            "VALUES (:id, :key, 'adjust', 'raw', '{}', now())"
        ),
        {"id": tx, "key": f"raw:{tx}"},
    )
    return tx


async def insert_entries(
    db: AsyncSession, postings: list[tuple[uuid.UUID, int]], *, tx: uuid.UUID | None = None
) -> None:
    """Raw entries, in one statement, in a new ledger transaction (or in `tx`)."""
    async with db.begin_nested():
        tx = tx or await new_transaction(db)
        rows = ", ".join(f"(:id{n}, :tx, :acc{n}, :amt{n}, now())" for n in range(len(postings)))
        params: dict[str, object] = {"tx": tx}
        for n, (account, amount) in enumerate(postings):
            params |= {f"id{n}": uuid.uuid4(), f"acc{n}": account, f"amt{n}": amount}
        await db.execute(
            sa.text(
                "INSERT INTO ledger_entry (id, transaction_id, account_id, amount, created_at) "
                f"VALUES {rows}"
            ),
            params,
        )


async def test_an_unbalanced_transaction_is_refused(db: AsyncSession) -> None:
    with pytest.raises(DBAPIError, match="does not sum to zero"):
        await insert_entries(db, [(REDEMPTION, 10)])


async def test_entries_balanced_across_two_statements_are_refused_at_the_first(
    db: AsyncSession,
) -> None:
    """The check runs after each statement: a transaction's entries are written at once."""
    tx = await new_transaction(db)
    with pytest.raises(DBAPIError, match="does not sum to zero"):
        await insert_entries(db, [(REDEMPTION, 10)], tx=tx)


async def test_an_entry_added_to_a_posted_transaction_is_refused(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    await funded(db, user_factory, clock)
    posted = await db.scalar(sa.text("SELECT id FROM ledger_transaction LIMIT 1"))
    assert posted is not None
    with pytest.raises(DBAPIError, match="does not sum to zero"):
        await insert_entries(db, [(REDEMPTION, 7)], tx=posted)
    await insert_entries(db, [(REDEMPTION, 7), (ISSUANCE, -7)], tx=posted)  # balanced: allowed


async def test_one_unbalanced_transaction_among_many_refuses_the_statement(
    db: AsyncSession,
) -> None:
    balanced, unbalanced = await new_transaction(db), await new_transaction(db)
    with pytest.raises(DBAPIError, match=f"{unbalanced} does not sum to zero"):
        async with db.begin_nested():
            await db.execute(
                sa.text(
                    "INSERT INTO ledger_entry (id, transaction_id, account_id, amount, created_at) "
                    "VALUES (gen_random_uuid(), :b, :r, 5, now()), "
                    "(gen_random_uuid(), :b, :i, -5, now()), "
                    "(gen_random_uuid(), :u, :r, 3, now())"
                ),
                {"b": balanced, "u": unbalanced, "r": REDEMPTION, "i": ISSUANCE},
            )


async def test_a_negative_user_balance_is_refused(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user_id = await funded(db, user_factory, clock)
    with pytest.raises(DBAPIError, match="balance_not_negative"):
        async with db.begin_nested():
            await db.execute(
                sa.text(
                    "UPDATE ledger_account SET balance = -1 WHERE user_id = :u AND currency = 'points'"
                ),
                {"u": user_id},
            )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET amount = amount + 1",
        "DELETE FROM ledger_entry",
        "UPDATE ledger_transaction SET reference = 'edited'",
        "DELETE FROM ledger_transaction",
        "TRUNCATE ledger_entry CASCADE",
    ],
)
async def test_posted_history_cannot_be_changed(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock, statement: str
) -> None:
    await funded(db, user_factory, clock)
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.begin_nested():
            await db.execute(sa.text(statement))


async def test_user_postings_carry_their_balance_after(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user_id = await funded(db, user_factory, clock)
    account = await db.scalar(
        sa.text("SELECT id FROM ledger_account WHERE user_id = :u AND currency = 'points'"),
        {"u": user_id},
    )
    with pytest.raises(DBAPIError, match="balance_after"):
        await insert_entries(db, [(account, 5), (ISSUANCE, -5)])
