"""`ledger check` finds each kind of corruption, introduced here by raw SQL with the
protecting triggers switched off (the test's transaction is rolled back afterwards)."""

import subprocess
import sys

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from api.database import run_in_own_loop
from core.clock import FrozenClock
from gamification.ledger.models import TransactionKind
from gamification.ledger.operations import earn, spend
from gamification.ledger.reconcile import check_ledger
from tests.factories import UserFactory

CORRUPTIONS = {
    "cached balance differs from its entries": [
        "UPDATE ledger_account SET balance = balance + 5 WHERE user_id IS NOT NULL AND currency = 'xp'"
    ],
    "currency does not sum to zero": [
        "UPDATE ledger_entry SET amount = amount - 1 WHERE account_id = '00000000-0000-7000-8000-000000000001'"
    ],
    "negative user balance": [
        "ALTER TABLE ledger_account DROP CONSTRAINT ck_ledger_account_balance_not_negative",
        "UPDATE ledger_account SET balance = -3 WHERE user_id IS NOT NULL AND currency = 'points'",
    ],
    "lots disagree with the balance": ["UPDATE ledger_lot SET remaining = remaining - 1"],
    "last balance_after differs from the balance": [
        "UPDATE ledger_entry SET balance_after = balance_after + 1 WHERE balance_after IS NOT NULL"
    ],
}


@pytest.mark.parametrize("expected", list(CORRUPTIONS))
async def test_each_kind_of_corruption_is_reported(
    db: AsyncSession, user_factory: UserFactory, clock: FrozenClock, expected: str
) -> None:
    user = await user_factory()
    await earn(
        db, user_id=user.id, points=30, xp=10, key="e", reference="r", reason={}, now=clock.now()
    )
    await spend(
        db,
        user_id=user.id,
        points=10,
        kind=TransactionKind.SPEND,
        key="s",
        reference="r",
        reason={},
        now=clock.now(),
    )
    assert await check_ledger(db) == []
    await db.execute(sa.text("SET LOCAL session_replication_role = replica"))
    for statement in CORRUPTIONS[expected]:
        await db.execute(sa.text(statement))
    breaks = await check_ledger(db)
    assert any(line.startswith(expected) for line in breaks), breaks


def test_ledger_check_command_exits_non_zero_on_a_break(
    cli_env: dict[str, str], scratch_database: str
) -> None:
    env = cli_env
    command = [sys.executable, "-m", "api.cli", "ledger", "check"]
    subprocess.run(
        [sys.executable, "-m", "api.cli", "db", "upgrade"], env=env, check=True, capture_output=True
    )
    clean = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stderr
    assert "every check passed" in clean.stdout

    async def corrupt() -> None:
        conn = await asyncpg.connect(scratch_database.replace("+asyncpg", ""))
        await conn.execute("SET session_replication_role = replica")
        await conn.execute(
            "INSERT INTO ledger_transaction (id, idempotency_key, kind, reference, reason, created_at) "
            "VALUES ('00000000-0000-0000-0000-0000000000aa', 'k', 'adjust', 'r', '{}', now());"
            "INSERT INTO ledger_entry (id, transaction_id, account_id, amount, created_at) VALUES "
            "(gen_random_uuid(), '00000000-0000-0000-0000-0000000000aa', "
            "'00000000-0000-7000-8000-000000000002', 9, now())"
        )
        await conn.close()

    run_in_own_loop(corrupt)
    broken = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert broken.returncode != 0
    assert "does not sum to zero" in broken.stderr
