"""Vouchers granted free to many users at once (a campaign's voucher drop), one chunk per call.

In the caller's transaction, in the same lock order as a redemption (the users' counter rows,
then the product's stock row last): each user is counted against the per-user limit with one
conditional upsert, the stock is taken for those who passed, as far as it goes, and the
vouchers are inserted with their codes. Users over the limit, and those the stock no longer
covers, get nothing (their counts are given back). Each voucher carries the grant's unique
reference instead of a points debit, so a grant can never be issued twice.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.ids import new_id
from gamification.vouchers.codes import new_code
from gamification.vouchers.models import Voucher, VoucherProduct, VoucherStatus, VoucherUserCount

COUNTS = VoucherUserCount.__table__  # type: ignore[attr-defined]
PRODUCTS = VoucherProduct.__table__  # type: ignore[attr-defined]
VOUCHERS = Voucher.__table__  # type: ignore[attr-defined]


@dataclass
class Granted:
    issued: list[uuid.UUID] = field(default_factory=list)
    limit_reached: list[uuid.UUID] = field(default_factory=list)
    out_of_stock: list[uuid.UUID] = field(default_factory=list)


async def _count_under_limit(
    db: AsyncSession, product_id: uuid.UUID, users: Sequence[uuid.UUID], limit: int
) -> set[uuid.UUID]:
    counted = insert(COUNTS).values(
        [{"user_id": user, "product_id": product_id, "redeemed": 1} for user in users]
    )
    statement = counted.on_conflict_do_update(
        index_elements=["user_id", "product_id"],
        set_={"redeemed": COUNTS.c.redeemed + 1},
        where=COUNTS.c.redeemed < limit,
    ).returning(COUNTS.c.user_id)
    return set((await db.scalars(statement)).all())


async def _take_stock(db: AsyncSession, product_id: uuid.UUID, wanted: int) -> int:
    remaining = await db.scalar(
        sa.select(PRODUCTS.c.remaining_stock).where(PRODUCTS.c.id == product_id).with_for_update()
    )
    taken = min(wanted, int(remaining or 0))
    if taken:
        await db.execute(
            sa.update(PRODUCTS)
            .where(PRODUCTS.c.id == product_id)
            .values(remaining_stock=PRODUCTS.c.remaining_stock - taken)
        )
    return taken


async def grant_vouchers(
    db: AsyncSession,
    *,
    product_id: uuid.UUID,
    users: Sequence[uuid.UUID],
    reference_of: Callable[[uuid.UUID], str],
    now: datetime,
) -> Granted:
    """Issue one voucher of the product to each of `users` (in id order, the lock order) that
    the per-user limit and the stock allow; `reference_of(user)` names each grant."""
    product = await db.get(VoucherProduct, product_id)
    if product is None or not users:
        return Granted(out_of_stock=list(users))
    under = await _count_under_limit(db, product_id, users, product.per_user_limit)
    eligible = [user for user in users if user in under]
    taken = await _take_stock(db, product_id, len(eligible))
    issued, short = eligible[:taken], eligible[taken:]
    if short:  # no voucher for them after all: give their counts back
        await db.execute(
            sa.update(COUNTS)
            .where(COUNTS.c.product_id == product_id, COUNTS.c.user_id.in_(short))
            .values(redeemed=COUNTS.c.redeemed - 1)
        )
    if issued:
        await db.execute(
            insert(VOUCHERS).values([_voucher(product, u, reference_of(u), now) for u in issued])
        )
    return Granted(
        issued=issued,
        limit_reached=[user for user in users if user not in under],
        out_of_stock=short,
    )


def _voucher(
    product: VoucherProduct, user_id: uuid.UUID, reference: str, now: datetime
) -> dict[str, object]:
    return {
        "id": new_id(),
        "code": new_code(),
        "product_id": product.id,
        "user_id": user_id,
        "kind": product.kind,
        "title": product.title,
        "title_en": product.title_en,
        "terms": product.terms,
        "points_price": 0,
        "status": VoucherStatus.ISSUED,
        "issued_at": now,
        "expires_at": now + timedelta(days=product.validity_days),
        "grant_reference": reference,
    }
