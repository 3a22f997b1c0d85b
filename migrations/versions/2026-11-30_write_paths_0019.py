"""write paths: the ledger's zero-sum check runs once per statement instead of once per entry
at commit

The deferred constraint trigger of migration 0004 queued one event per ledger entry and ran,
at commit, one query per entry over its whole transaction: a bulk award of 100 earns ran 200 of
them. Every writer now inserts a transaction's entries in one statement (the money functions
of migration 0013 always did; `gamification/ledger/posting.apply` does too), so one
statement-level trigger checks, set-based, each transaction the statement wrote to: it sums to
zero in each currency, and user postings carry the balance after them while system postings
do not. The check is immediate, so stricter than before: a statement that leaves a transaction
unbalanced is refused at once, whether the transaction is new or was posted earlier.

Revision ID: 0019
Revises: 0017
Create Date: 2026-11-30 04:30:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATEMENT_CHECK = [
    """
    CREATE FUNCTION ledger_entries_balance() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        v_id uuid;
    BEGIN
        SELECT n.id INTO v_id
        FROM new_entries n JOIN ledger_account a ON a.id = n.account_id
        WHERE (a.user_id IS NOT NULL) <> (n.balance_after IS NOT NULL)
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger entry % has a wrong balance_after', v_id
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT e.transaction_id INTO v_id
        FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
        WHERE e.transaction_id IN (SELECT DISTINCT n.transaction_id FROM new_entries n)
        GROUP BY e.transaction_id, a.currency
        HAVING sum(e.amount) <> 0
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger transaction % does not sum to zero', v_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ledger_entries_balance AFTER INSERT ON ledger_entry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_balance()
    """,
]

# Migration 0004's per-entry deferred check, as it was (for the downgrade).
ROW_CHECK = [
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
]


def upgrade() -> None:
    op.execute("DROP TRIGGER ledger_transaction_balances ON ledger_entry")
    op.execute("DROP FUNCTION ledger_transaction_balances()")
    for statement in STATEMENT_CHECK:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER ledger_entries_balance ON ledger_entry")
    op.execute("DROP FUNCTION ledger_entries_balance()")
    for statement in ROW_CHECK:
        op.execute(statement)
