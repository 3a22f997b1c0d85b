"""ledger: accounts, append-only transactions and entries, points lots, and the invariants
the database enforces itself

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:16:23.918318+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INVARIANTS = [
    # Every transaction sums to zero in each currency, checked when the transaction commits
    # (deferred), and user postings carry the balance after them while system postings do not.
    """
    CREATE FUNCTION ledger_transaction_balances() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
            WHERE e.transaction_id = NEW.transaction_id
            GROUP BY a.currency HAVING SUM(e.amount) <> 0
        ) THEN
            RAISE EXCEPTION 'ledger transaction % does not sum to zero', NEW.transaction_id
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (
            SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id
            AND (a.user_id IS NOT NULL) <> (NEW.balance_after IS NOT NULL)
        ) THEN
            RAISE EXCEPTION 'ledger entry % has a wrong balance_after', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER ledger_transaction_balances
    AFTER INSERT ON ledger_entry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balances()
    """,
    # Posted history is never changed: corrections are new reversing transactions.
    """
    CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only()
    """,
    """
    CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only()
    """,
    """
    CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()
    """,
    """
    CREATE TRIGGER ledger_transaction_no_truncate BEFORE TRUNCATE ON ledger_transaction
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()
    """,
]

DROP_INVARIANTS = [
    "DROP TRIGGER ledger_transaction_no_truncate ON ledger_transaction",
    "DROP TRIGGER ledger_entry_no_truncate ON ledger_entry",
    "DROP TRIGGER ledger_transaction_append_only ON ledger_transaction",
    "DROP TRIGGER ledger_entry_append_only ON ledger_entry",
    "DROP FUNCTION ledger_append_only()",
    "DROP TRIGGER ledger_transaction_balances ON ledger_entry",
    "DROP FUNCTION ledger_transaction_balances()",
]

# The system accounts, with the fixed ids gamification/ledger/accounts.py posts to.
SYSTEM_ACCOUNTS = """
INSERT INTO ledger_account (id, kind, currency, user_id, balance, created_at) VALUES
    ('00000000-0000-7000-8000-000000000001', 'issuance', 'points', NULL, 0, now()),
    ('00000000-0000-7000-8000-000000000002', 'redemption', 'points', NULL, 0, now()),
    ('00000000-0000-7000-8000-000000000003', 'expiry', 'points', NULL, 0, now()),
    ('00000000-0000-7000-8000-000000000004', 'issuance', 'xp', NULL, 0, now())
"""


def upgrade() -> None:
    op.create_table(
        "ledger_transaction",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reason", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_ledger_transaction_reverses_id_ledger_transaction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transaction")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_transaction_idempotency_key")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_ledger_transaction_reverses_id")),
    )
    op.create_table(
        "ledger_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'user') = (user_id IS NOT NULL)",
            name=op.f("ck_ledger_account_user_accounts_have_a_user"),
        ),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_ledger_account_balance_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_ledger_account_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_account")),
    )
    op.create_index(
        "uq_ledger_account_system_currency",
        "ledger_account",
        ["kind", "currency"],
        unique=True,
        postgresql_where=sa.text("user_id IS NULL"),
    )
    op.create_index(
        "uq_ledger_account_user_currency",
        "ledger_account",
        ["user_id", "currency"],
        unique=True,
        postgresql_where=sa.text("user_id IS NOT NULL"),
    )
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_entry_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_account.id"],
            name=op.f("fk_ledger_entry_account_id_ledger_account"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_ledger_entry_transaction_id_ledger_transaction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        sa.UniqueConstraint("seq", name=op.f("uq_ledger_entry_seq")),
    )
    op.create_index(
        "ix_ledger_entry_account_id_seq", "ledger_entry", ["account_id", "seq"], unique=False
    )
    op.create_index(
        op.f("ix_ledger_entry_transaction_id"), "ledger_entry", ["transaction_id"], unique=False
    )
    op.create_table(
        "ledger_lot",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "remaining >= 0 AND remaining <= amount", name=op.f("ck_ledger_lot_remaining_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_account.id"],
            name=op.f("fk_ledger_lot_account_id_ledger_account"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_ledger_lot_transaction_id_ledger_transaction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_lot")),
    )
    op.create_index(
        "ix_ledger_lot_expiring",
        "ledger_lot",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("remaining > 0"),
    )
    op.create_index(
        "ix_ledger_lot_open",
        "ledger_lot",
        ["account_id", "expires_at"],
        unique=False,
        postgresql_where=sa.text("remaining > 0"),
    )
    for statement in INVARIANTS:
        op.execute(statement)
    op.execute(SYSTEM_ACCOUNTS)


def downgrade() -> None:
    for statement in DROP_INVARIANTS:
        op.execute(statement)
    op.drop_index(
        "ix_ledger_lot_open", table_name="ledger_lot", postgresql_where=sa.text("remaining > 0")
    )
    op.drop_index(
        "ix_ledger_lot_expiring", table_name="ledger_lot", postgresql_where=sa.text("remaining > 0")
    )
    op.drop_table("ledger_lot")
    op.drop_index(op.f("ix_ledger_entry_transaction_id"), table_name="ledger_entry")
    op.drop_index("ix_ledger_entry_account_id_seq", table_name="ledger_entry")
    op.drop_table("ledger_entry")
    op.drop_index(
        "uq_ledger_account_user_currency",
        table_name="ledger_account",
        postgresql_where=sa.text("user_id IS NOT NULL"),
    )
    op.drop_index(
        "uq_ledger_account_system_currency",
        table_name="ledger_account",
        postgresql_where=sa.text("user_id IS NULL"),
    )
    op.drop_table("ledger_account")
    op.drop_table("ledger_transaction")
