"""Request and response bodies of the Rewards and wallet section (and the admin adjustment)."""

import uuid
from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from api.pagination import Page

MAX_ADJUSTMENT = 1_000_000


class RewardOut(Struct):
    """One reward paid for a learning event."""

    kind: str
    points: int
    xp: int
    reason: str


class StreakOut(Struct):
    current: int
    longest: int
    freezes: int


class ExpiringPointsOut(Struct):
    points: int
    expires_at: datetime


class WalletOut(Struct):
    points: int
    xp: int
    level: int
    xp_to_next_level: int
    streak: StreakOut
    points_expiring: list[ExpiringPointsOut]  # lots expiring in the next 30 days, soonest first


class LedgerItemOut(Struct):
    id: uuid.UUID  # the entry
    amount: int
    balance_after: int
    kind: str  # earn | spend | expire | refund | adjust | reverse
    reason: str  # a sentence in the caller's locale
    created_at: datetime


class LedgerPage(Page[LedgerItemOut]):
    """A page of the points history, newest first."""


class AdjustmentIn(Struct, forbid_unknown_fields=True):
    user_id: uuid.UUID
    amount: Annotated[
        int,
        Meta(
            ge=-MAX_ADJUSTMENT,
            le=MAX_ADJUSTMENT,
            description="Points to credit (> 0) or debit (< 0); never 0.",
        ),
    ]
    reason: Annotated[
        str, Meta(max_length=500, description="Why; required, kept in the audit log.")
    ]


class AdjustmentOut(Struct):
    """The posted ledger transaction."""

    id: uuid.UUID
    user_id: uuid.UUID
    amount: int
    kind: str
    reason: str
    balance_after: int
    created_at: datetime
    adjustment_id: uuid.UUID  # its entry in the adjustment register
    status: str = "posted"


class AdjustmentRequestOut(Struct):
    """An entry of the adjustment register: `pending` until a second admin approves it
    (`posted`, with its `transaction_id`) or an admin declines it (`rejected`)."""

    id: uuid.UUID
    user_id: uuid.UUID
    amount: int
    reason: str
    status: str  # pending | posted | rejected
    requested_by: uuid.UUID
    requested_at: datetime
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    decision_reason: str | None
    transaction_id: uuid.UUID | None


class AdjustmentRequestPage(Page[AdjustmentRequestOut]):
    """A page of adjustment requests."""


class RejectionIn(Struct, forbid_unknown_fields=True):
    reason: Annotated[
        str, Meta(min_length=1, max_length=500, description="Why; required, kept in the audit log.")
    ]


class ReversalIn(Struct, forbid_unknown_fields=True):
    reason: Annotated[
        str, Meta(min_length=1, max_length=500, description="Why; required, kept in the audit log.")
    ]


class ReversalOut(Struct):
    """The reversing transaction: the opposite of every posting of the original."""

    id: uuid.UUID
    reverses_id: uuid.UUID
    balances: dict[str, int]  # the user's balances after it, by currency
