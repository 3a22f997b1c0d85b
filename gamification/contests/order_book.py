"""An entry's open orders after placing: cancelling one, giving back what orders held, and the
order list. Cancelling deletes the order's resting row first (migration 0040), then locks the
order row, then the entry and position rows (books.py's lock order): a tick that claimed the
resting row first is waited for, and the order is then found filled."""

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.contests.books import CashMove, SharesMove, move_cash, release_reserved_shares
from gamification.contests.entries import entry_id_of
from gamification.contests.errors import OrderNotFound, OrderNotOpen
from gamification.contests.models import ContestOrder
from gamification.contests.rules import OrderStatus, Side

# An open order's resting row, deleted while it is still open (not past its end): waits for a
# tick or an expiry that claimed it, and then finds it gone.
_UNREST = sa.text(
    """
    DELETE FROM contest_resting_order
    WHERE order_id = :order_id AND entry_id = :entry_id AND expires_at > :now
    RETURNING order_id
    """
)


async def cancel_order(
    db: AsyncSession,
    *,
    contest_id: uuid.UUID,
    user_id: uuid.UUID,
    order_id: uuid.UUID,
    now: datetime,
) -> ContestOrder:
    """Cancel an open order and give back what it held; 409 once it filled or ended."""
    entry_id = await entry_id_of(db, contest_id, user_id)
    unrested = await db.scalar(_UNREST, {"order_id": order_id, "entry_id": entry_id, "now": now})
    order = (
        await db.execute(
            sa.select(ContestOrder)
            .where(col(ContestOrder.id) == order_id, col(ContestOrder.entry_id) == entry_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if order is None:
        raise OrderNotFound()
    if unrested is None or order.status != OrderStatus.OPEN:
        raise OrderNotOpen(status=order.status)
    await release_holds(db, [order])
    order.status = OrderStatus.CANCELLED
    order.cash_held = Decimal("0.00")
    order.updated_at = now
    await db.flush()
    return order


async def release_holds(db: AsyncSession, orders: list[ContestOrder]) -> None:
    """Give back the cash and shares that open orders set aside (they are locked by the caller)."""
    cash: dict[uuid.UUID, CashMove] = {}
    shares = []
    for order in orders:
        if order.side == Side.BUY:
            cash.setdefault(order.entry_id, CashMove()).released += order.cash_held
        else:
            shares.append(SharesMove(order.entry_id, order.symbol, order.user_id, order.quantity))
    await move_cash(db, cash)
    await release_reserved_shares(db, shares)


async def list_orders(
    db: AsyncSession,
    *,
    contest_id: uuid.UUID,
    user_id: uuid.UUID,
    status: str | None,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[ContestOrder]:
    """The caller's orders in the contest, newest first."""
    entry_id = await entry_id_of(db, contest_id, user_id)
    query = sa.select(ContestOrder).where(col(ContestOrder.entry_id) == entry_id)
    if status is not None:
        query = query.where(col(ContestOrder.status) == status)
    if after is not None:
        query = query.where(
            sa.tuple_(col(ContestOrder.created_at), col(ContestOrder.id)) < sa.tuple_(*after)
        )
    query = query.order_by(col(ContestOrder.created_at).desc(), col(ContestOrder.id).desc())
    return list(await db.scalars(query.limit(limit)))


__all__ = ["cancel_order", "list_orders", "release_holds"]
