"""Business series for `/metrics`: sign-ups, learning, points, redemptions and partner consumes.

Each is counted only once the transaction that did it has committed: `count_on_commit` parks
the increment on the session's current transaction (or savepoint). A released savepoint hands
its increments to its parent, the outermost commit applies them, and a transaction or savepoint
that ends any other way (rolled back, abandoned) drops them: a rolled-back request counts
nothing. On a driver-only route (`api.autocommit_routes`) each statement has committed when it
returns, so an increment there counts at once. Label values come from fixed sets.
"""

from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from core.driver_reads import REQUEST_CONNECTION

REGISTRATIONS = Counter("investquest_registrations_total", "Accounts created by sign-up")
LESSONS_COMPLETED = Counter(
    "investquest_lessons_completed_total", "Lessons completed for the first time"
)
QUIZ_ATTEMPTS = Counter(
    "investquest_quiz_attempts_total", "Graded quiz attempts, by outcome", ["outcome"]
)
POINTS_EARNED = Counter("investquest_points_earned_total", "Points paid to learners as rewards")
POINTS_SPENT = Counter("investquest_points_spent_total", "Points spent on vouchers")
REDEMPTIONS = Counter(
    "investquest_redemptions_total", "Vouchers redeemed for points, by voucher kind", ["kind"]
)
PARTNER_CONSUMES = Counter(
    "investquest_partner_consumes_total",
    "Partner consume calls, by outcome (consumed, repeated, refused)",
    ["outcome"],
)

QUIZ_OUTCOMES = ("passed", "failed")
VOUCHER_KINDS = ("fee", "yield")
CONSUME_OUTCOMES = ("consumed", "repeated", "refused")
for _outcome in QUIZ_OUTCOMES:
    QUIZ_ATTEMPTS.labels(_outcome)  # every series exists from the start, at 0
for _kind in VOUCHER_KINDS:
    REDEMPTIONS.labels(_kind)
for _outcome in CONSUME_OUTCOMES:
    PARTNER_CONSUMES.labels(_outcome)

_PENDING = "investquest_pending_counts"


@dataclass
class _Pending:
    transaction: SessionTransaction
    counter: Any  # a Counter, or one labelled child of it
    amount: float


def count_on_commit(db: AsyncSession, counter: Any, amount: float = 1) -> None:
    """Add `amount` to `counter` when the work done so far in `db` is committed."""
    session = db.sync_session
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        if REQUEST_CONNECTION in db.info:  # a driver-only route: its statements have committed
            counter.inc(amount)
            return
        raise RuntimeError("count_on_commit needs a transaction in progress")
    session.info.setdefault(_PENDING, []).append(_Pending(transaction, counter, amount))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending: list[_Pending] = session.info.get(_PENDING, [])
    if not pending:
        return
    committed = session.get_nested_transaction() or session.get_transaction()
    parent = committed.parent if committed is not None else None
    if committed is not None and committed.nested and parent is not None:
        for item in pending:  # a released savepoint: its counts now ride on its parent
            if item.transaction is committed:
                item.transaction = parent
        return
    for item in pending:
        item.counter.inc(item.amount)
    pending.clear()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """Whatever is still parked on a transaction that ends was rolled back (or abandoned)."""
    pending: list[_Pending] = session.info.get(_PENDING, [])
    pending[:] = [item for item in pending if item.transaction is not transaction]
