"""Redeeming points for a voucher: one transaction, all or nothing, never oversold.

Run it inside the caller's transaction (the api layer wraps it in `run_idempotent`, whose
savepoint undoes every partial write when any step refuses). The steps, in lock order:

1. read the product (no lock) and check the sale window and eligibility;
   a sold-out product is refused here already, so a sold-out storm costs one read each;
2. count against the per-user limit on the (user, product) counter row: a conditional upsert,
   so concurrent redemptions by one user queue on that row and can never both pass;
3. debit the points through the ledger (oldest lots first, under the user's account lock);
4. insert the voucher with a fresh code;
5. take one unit of stock with a conditional update (`remaining_stock > 0`). This is the one
   row every redeemer of the product shares, so it is locked last, for the shortest time.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from gamification.ledger.models import AccountKind, Currency, TransactionKind
from gamification.ledger.operations import spend
from gamification.vouchers.codes import new_code
from gamification.vouchers.errors import LimitReached, NotEligible, OutOfStock
from gamification.vouchers.models import Voucher, VoucherProduct, VoucherStatus, VoucherUserCount
from gamification.vouchers.products import Redeemer, get_product, why_ineligible

CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class Redemption:
    voucher: Voucher
    points_balance: int  # the user's points balance right after the debit


async def redeem_voucher(
    db: AsyncSession, *, product_id: uuid.UUID, redeemer: Redeemer, now: datetime
) -> Redemption:
    product = await get_product(db, product_id)
    problem = await why_ineligible(product, redeemer, now=now)
    if problem is not None:
        raise NotEligible(problem.reason, problem.message, **problem.params)
    if product.remaining_stock <= 0:
        raise OutOfStock()
    await _count_against_limit(db, redeemer.user_id, product)
    voucher_id = new_id()
    debit = await spend(
        db,
        user_id=redeemer.user_id,
        points=product.points_price,
        kind=TransactionKind.SPEND,
        key=f"voucher:{voucher_id}",
        reference=f"voucher:{voucher_id}",
        reason=_debit_reason(product, voucher_id),
        now=now,
        to=AccountKind.REDEMPTION,
    )
    assert debit.transaction_id is not None  # the key is new: it always posts
    voucher = await _issue(db, voucher_id, product, redeemer.user_id, debit.transaction_id, now)
    await _take_one_unit(db, product.id)
    return Redemption(voucher, debit.balances[Currency.POINTS])


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


# Built once: every redemption runs these.
_COUNT_AGAINST_LIMIT = (
    insert(VoucherUserCount)
    .values(user_id=sa.bindparam("user_id"), product_id=sa.bindparam("product_id"), redeemed=1)
    .on_conflict_do_update(
        index_elements=["user_id", "product_id"],
        set_={"redeemed": col(VoucherUserCount.redeemed) + 1},
        where=col(VoucherUserCount.redeemed) < sa.bindparam("per_user_limit"),
    )
    .returning(col(VoucherUserCount.redeemed))
)
_ISSUE = (
    insert(Voucher.__table__)  # type: ignore[attr-defined]
    .on_conflict_do_nothing(index_elements=["code"])
    .returning(col(Voucher.id))
)
_TAKE_ONE_UNIT = (
    sa.update(VoucherProduct)
    .where(
        col(VoucherProduct.id) == sa.bindparam("product_id"),
        col(VoucherProduct.remaining_stock) > 0,
    )
    .values(remaining_stock=col(VoucherProduct.remaining_stock) - 1)
    .returning(col(VoucherProduct.remaining_stock))
)


async def _count_against_limit(
    db: AsyncSession, user_id: uuid.UUID, product: VoucherProduct
) -> None:
    params = {
        "user_id": user_id,
        "product_id": product.id,
        "per_user_limit": product.per_user_limit,
    }
    if await db.scalar(_COUNT_AGAINST_LIMIT, params) is None:
        raise LimitReached(limit=product.per_user_limit)


async def _issue(
    db: AsyncSession,
    voucher_id: uuid.UUID,
    product: VoucherProduct,
    user_id: uuid.UUID,
    debit_id: uuid.UUID,
    now: datetime,
) -> Voucher:
    """Insert the voucher; a code collision (about 1 in 10^17 per pair) just draws again."""
    for _ in range(CODE_ATTEMPTS):
        voucher = Voucher(
            id=voucher_id,
            code=new_code(),
            product_id=product.id,
            user_id=user_id,
            kind=product.kind,
            title=product.title,
            title_en=product.title_en,
            terms=product.terms,
            points_price=product.points_price,
            status=VoucherStatus.ISSUED,
            issued_at=now,
            expires_at=now + timedelta(days=product.validity_days),
            debit_transaction_id=debit_id,
        )
        if await db.scalar(_ISSUE, voucher.model_dump()) is not None:
            return voucher
    raise RuntimeError("could not draw an unused voucher code")  # pragma: no cover


async def _take_one_unit(db: AsyncSession, product_id: uuid.UUID) -> None:
    if await db.scalar(_TAKE_ONE_UNIT, {"product_id": product_id}) is None:
        raise OutOfStock()
