"""Redeeming points for a voucher: one statement, all or nothing, never oversold.

One call of the database function `voucher_redeem_product` (migration 0048) reads the product,
checks the sale window, the caller's eligibility (`voucher_eligible`, which mirrors
`eligibility.py`) and that stock is left (a sold-out storm costs one read each), then claims
the request's Idempotency-Key (`voucher_redeem_keyed`, migration 0043) and does the rest
through `voucher_redeem` (migrations 0013, 0029 and 0034), in lock order:

1. count against the per-user limit on the (user, product) counter row: a conditional upsert,
   so concurrent redemptions by one user queue on that row and can never both pass;
2. debit the points through the ledger (oldest lots first, under the user's account lock);
3. insert the voucher with the code drawn here;
4. leave `vouchers_redeemed` in the engagement outbox (`engagement_defer`, migration 0051, under
   the knobs `engagement` gives, `gamification.engagement.service.Reporting.params()`, passed
   in by the api layer: vouchers stay unaware of the engagement's imports), counted for the
   quests, badges and league after the commit (`gamification.engagement.outbox`): inside the
   function, so a refusal leaves nothing;
5. read the wallet after it all (balances and streak), so that no read follows the stock update;
6. take one unit of stock with a conditional update (`remaining_stock > 0`). This is the one
   row every redeemer of the product shares, so it is locked last, for the shortest time;

and stores with the key what the answer is rendered from (the api's `context`, the voucher,
the wallet). The api runs it without a transaction around it, so the stock row stays locked
only until that one statement commits, inside the server.

A refusal at any step undoes the steps before it inside the function, the key's claim too, so
a refused redemption writes nothing; a key claimed before writes nothing and raises `KeyUsed`.
Refused as not eligible, the product is read again here and `why_ineligible` says why; a
product that needs a completed course is refused until the call says the caller completed it,
so the learning domain is asked only for such products.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.driver_reads import DriverRead, DriverWrite, Row
from core.errors import KeyUsed
from core.ids import new_id
from gamification.ledger.errors import InsufficientPoints
from gamification.ledger.queries import expiring_before
from gamification.vouchers.codes import new_code
from gamification.vouchers.errors import LimitReached, NotEligible, OutOfStock, ProductNotFound
from gamification.vouchers.models import VoucherProduct
from gamification.vouchers.products import Redeemer, why_ineligible

# A code collision (about 1 in 10^17 a pair) draws again, and a course found completed calls
# again: each a rare second call.
CALL_ATTEMPTS = 5

# Built once and sent straight to the driver (`core.driver_reads`): every redemption is this
# one call. The debit goes to the redemption account, under the key `voucher:{voucher_id}`,
# the reference the engagement counts the event under too.
_REDEEM = DriverWrite(
    sa.text(
        "SELECT outcome, answer, kind, points_price, per_user_limit FROM voucher_redeem_product("
        ":record_id, :caller, :route, :key, :request_hash, :context, :id, :code, :product_id, "
        ":user_id, :risk_profile, :lifecycle_stage, :completed_courses, :now, :day, :cap_day, "
        ":daily_cap, :lot_days, :daily_quests, :highest_tier, :cohort_size, :expiring_before)"
    ).bindparams(
        sa.bindparam("context", type_=JSONB),
        sa.bindparam("completed_courses", type_=ARRAY(sa.Text())),
    )
)
# Only to word a refusal as not eligible.
_PRODUCT = DriverRead(
    sa.select(VoucherProduct).where(col(VoucherProduct.id) == sa.bindparam("product_id"))
)
REDEEMED = "redeemed"
CODE_TAKEN = "code-taken"
KEY_USED = "key-used"
NOT_ELIGIBLE = "not-eligible"
PRODUCT_NOT_FOUND = "product-not-found"


@dataclass(frozen=True)
class Redemption:
    kind: str  # the voucher's
    points_price: int
    # What was stored with the key: the api's `context` with the voucher as issued
    # (`voucher`) and the wallet after (`wallet`: `ledger_balances`' columns and the streak
    # row's as `streak_*`), as JSON text, for the api to render the answer from.
    answer: str


async def redeem_voucher(
    db: AsyncSession,
    *,
    product_id: uuid.UUID,
    redeemer: Redeemer,
    engagement: Mapping[str, Any],
    key: Mapping[str, Any],
    context: Mapping[str, Any],
    now: datetime,
) -> Redemption:
    """Redeem under the Idempotency-Key `key` (the record's `record_id`, `caller`, `route`,
    `key` and `request_hash`), storing `context` with the answer. Raises `KeyUsed` when the
    key was claimed before, the domain's refusals otherwise."""
    params: dict[str, Any] = {
        "id": new_id(),
        "product_id": product_id,
        "user_id": redeemer.user_id,
        "risk_profile": redeemer.risk_profile,
        "lifecycle_stage": redeemer.lifecycle_stage,
        "completed_courses": None,  # not asked yet
        "context": context,
        "now": now,
        "expiring_before": expiring_before(now),
    }
    params |= engagement
    params |= key
    for _ in range(CALL_ATTEMPTS):
        (row,) = await _REDEEM.all(db, **params, code=new_code())
        if row.outcome == NOT_ELIGIBLE:
            if params["completed_courses"] is not None:  # told the courses, refused again
                raise RuntimeError("voucher_eligible refuses what eligibility.py allows")
            params["completed_courses"] = await _completed_course(db, product_id, redeemer, now)
        elif row.outcome != CODE_TAKEN:
            break
    else:
        raise RuntimeError("voucher_redeem_product refused again and again")  # pragma: no cover
    _refuse_unless_redeemed(row)
    return Redemption(row.kind, row.points_price, row.answer)


async def _completed_course(
    db: AsyncSession, product_id: uuid.UUID, redeemer: Redeemer, now: datetime
) -> list[str]:
    """Why the learner may not redeem the product, as `NotEligible`; or, when the only reason
    was a course the call was not told about and the learner completed it, that course."""
    row = await _PRODUCT.first(db, product_id=product_id)
    if row is None:  # deleted since
        raise ProductNotFound()
    product = VoucherProduct.model_construct(**dict(row.items()))  # the database's own values
    problem = await why_ineligible(product, redeemer, now=now)
    if problem is not None:
        raise NotEligible(problem.reason, problem.message, **problem.params)
    return [product.required_course_slug] if product.required_course_slug else []


def _refuse_unless_redeemed(row: Row) -> None:
    outcome = row.outcome
    if outcome == KEY_USED:
        raise KeyUsed()
    if outcome == PRODUCT_NOT_FOUND:
        raise ProductNotFound()
    if outcome == LimitReached.code:
        raise LimitReached(limit=row.per_user_limit)
    if outcome == InsufficientPoints.code:
        raise InsufficientPoints(points=row.points_price)
    if outcome == OutOfStock.code:
        raise OutOfStock()
    if outcome != REDEEMED:
        raise RuntimeError(f"voucher_redeem_product answered {outcome!r}")  # pragma: no cover
