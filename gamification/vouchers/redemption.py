"""Redeeming points for a voucher: one statement, all or nothing, never oversold.

Two statements. The product is read (no lock) and the sale window and eligibility checked in
Python; a sold-out product is refused here already, so a sold-out storm costs one read each.
Then one call of the database function `voucher_redeem_keyed` (migration 0043) claims the
request's Idempotency-Key, does the rest through `voucher_redeem` (migrations 0013, 0029 and
0034), in lock order:

1. count against the per-user limit on the (user, product) counter row: a conditional upsert,
   so concurrent redemptions by one user queue on that row and can never both pass;
2. debit the points through the ledger (oldest lots first, under the user's account lock);
3. insert the voucher with the code drawn here;
4. report `vouchers_redeemed` to the quests, badges and league (`engagement_report`, under the
   knobs `engagement` gives, `gamification.engagement.service.Reporting.params()`, passed in
   by the api layer: vouchers stay unaware of the engagement's imports): inside the function,
   so a refusal undoes it too;
5. read the wallet after it all (balances and streak), so that no read follows the stock update;
6. take one unit of stock with a conditional update (`remaining_stock > 0`). This is the one
   row every redeemer of the product shares, so it is locked last, for the shortest time;

and stores with the key what the answer is rendered from (the api's `context`, the voucher,
the wallet). The api runs it without a transaction around it, so the stock row stays locked
only until that one statement commits, inside the server.

A refusal at any step undoes the steps before it inside the function, the key's claim too, so
a refused redemption writes nothing; a key claimed before writes nothing and raises `KeyUsed`.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.driver_reads import DriverRead, DriverWrite
from core.errors import KeyUsed
from core.ids import new_id
from gamification.ledger.errors import InsufficientPoints
from gamification.ledger.queries import expiring_before
from gamification.vouchers.codes import new_code
from gamification.vouchers.errors import LimitReached, NotEligible, OutOfStock, ProductNotFound
from gamification.vouchers.models import VoucherProduct, VoucherStatus
from gamification.vouchers.products import Redeemer, why_ineligible

CODE_ATTEMPTS = 5

# Built once, both sent straight to the driver (`core.driver_reads`): every redemption runs
# them. The debit goes to the redemption account, under the key `voucher:{voucher_id}`, the
# reference the engagement counts the event under too.
_PRODUCT = DriverRead(
    sa.select(VoucherProduct).where(col(VoucherProduct.id) == sa.bindparam("product_id"))
)
_REDEEM = DriverWrite(
    sa.text(
        "SELECT outcome, answer FROM voucher_redeem_keyed("
        ":record_id, :caller, :route, :key, :request_hash, :context, "
        ":id, :code, :product_id, :user_id, :per_user_limit, :points_price, :kind, :title, "
        ":title_en, :terms, :reason, :issued_at, :expires_at, :day, :cap_day, :daily_cap, "
        ":lot_days, :daily_quests, :highest_tier, :cohort_size, :expiring_before)"
    ).bindparams(
        sa.bindparam("terms", type_=JSONB),
        sa.bindparam("reason", type_=JSONB),
        sa.bindparam("context", type_=JSONB),
    )
)
REDEEMED = "redeemed"
CODE_TAKEN = "code-taken"
KEY_USED = "key-used"


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
    product = await _product(db, product_id)
    problem = await why_ineligible(product, redeemer, now=now)
    if problem is not None:
        raise NotEligible(problem.reason, problem.message, **problem.params)
    if product.remaining_stock <= 0:
        raise OutOfStock()
    voucher_id = new_id()
    fixed = {"per_user_limit": product.per_user_limit, "reason": _debit_reason(product, voucher_id)}
    fixed |= engagement  # the same for every code drawn
    fixed |= key
    fixed["context"] = context
    fixed["expiring_before"] = expiring_before(now)
    for _ in range(CODE_ATTEMPTS):  # a code collision (about 1 in 10^17 a pair) draws again
        issued = _issued(voucher_id, new_code(), product, redeemer.user_id, now)
        (row,) = await _REDEEM.all(db, **(issued | fixed))
        if row.outcome != CODE_TAKEN:
            break
    else:
        raise RuntimeError("could not draw an unused voucher code")  # pragma: no cover
    _refuse_unless_redeemed(row.outcome, product)
    return Redemption(product.kind, product.points_price, row.answer)


async def _product(db: AsyncSession, product_id: uuid.UUID) -> VoucherProduct:
    row = await _PRODUCT.first(db, product_id=product_id)
    if row is None:
        raise ProductNotFound()
    return VoucherProduct.model_construct(**dict(row.items()))  # the database's own values


def _issued(
    voucher_id: uuid.UUID, code: str, product: VoucherProduct, user_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    """The voucher's columns as issued: a snapshot of the product (its debit comes later)."""
    return {
        "id": voucher_id,
        "code": code,
        "product_id": product.id,
        "user_id": user_id,
        "kind": product.kind,
        "title": product.title,
        "title_en": product.title_en,
        "terms": product.terms,
        "points_price": product.points_price,
        "status": VoucherStatus.ISSUED,
        "issued_at": now,
        "expires_at": now + timedelta(days=product.validity_days),
    }


def _refuse_unless_redeemed(outcome: str, product: VoucherProduct) -> None:
    if outcome == KEY_USED:
        raise KeyUsed()
    if outcome == LimitReached.code:
        raise LimitReached(limit=product.per_user_limit)
    if outcome == InsufficientPoints.code:
        raise InsufficientPoints(points=product.points_price)
    if outcome == OutOfStock.code:
        raise OutOfStock()
    if outcome != REDEEMED:
        raise RuntimeError(f"voucher_redeem answered {outcome!r}")  # pragma: no cover


def _debit_reason(product: VoucherProduct, voucher_id: uuid.UUID) -> dict[str, str]:
    """What the ledger history says about the debit (worded by the api in each locale)."""
    reason = {
        "code": "voucher_redeemed",
        "sku": product.sku,
        "title": product.title,
        "voucher_id": str(voucher_id),
    }
    if product.title_en:
        reason["title_en"] = product.title_en
    return reason
