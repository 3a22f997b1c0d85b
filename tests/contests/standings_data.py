"""Contests, entries, positions and quotes written straight into the database, for the standings,
snapshot and finalisation tests (the trading routes have their own tests)."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.contests.market_models import Instrument, Quote
from gamification.contests.models import (
    Contest,
    ContestEntry,
    ContestFill,
    ContestOrder,
    ContestPosition,
)

CASH = Decimal("1000000.00")
SYMBOLS = {"600000.SH": Decimal("10.000"), "000001.SZ": Decimal("20.000")}


async def market(db: AsyncSession, now: datetime) -> None:
    """Two instruments with their quotes (at the prices of SYMBOLS), unless already there."""
    for symbol, price in SYMBOLS.items():
        instrument = {
            "symbol": symbol,
            "name_zh": symbol,
            "name_en": symbol,
            "kind": "stock",
            "board": "sh_main" if symbol.endswith("SH") else "sz_main",
            "lot_size": 100,
            "lot_step": 100,
            "tick_size": Decimal("0.01"),
            "limit_pct": Decimal(10),
            "reference_price": price,
            "drift": Decimal(0),
            "volatility": Decimal("0.2"),
            "beta": Decimal(1),
            "risk_warning": False,
            "t_plus_zero": False,
        }
        await db.execute(insert(Instrument).values(**instrument).on_conflict_do_nothing())
        quote = {
            "symbol": symbol,
            "trading_day": now.date(),
            "prev_close": price,
            "open_price": price,
            "high_price": price,
            "low_price": price,
            "last_price": price,
            "volume": 0,
            "quoted_at": now,
        }
        await db.execute(
            insert(Quote)
            .values(**quote)
            .on_conflict_do_update(index_elements=["symbol"], set_=quote)
        )


async def set_price(db: AsyncSession, symbol: str, price: str) -> None:
    await db.execute(
        sa.update(Quote)
        .where(Quote.symbol == symbol)  # type: ignore[arg-type]
        .values(last_price=Decimal(price), high_price=Decimal(price), low_price=Decimal(price))
    )


async def contest(db: AsyncSession, now: datetime, **changes: Any) -> Contest:
    values: dict[str, Any] = {
        "title_zh": "测试赛",
        "title_en": "Test contest",
        "starts_at": now - timedelta(days=7),
        "ends_at": now + timedelta(days=7),
        "registration_ends_at": now + timedelta(days=7),
        "starting_cash": CASH,
        "market_hours": "always",
        "commission_rate": Decimal("0.00025"),
        "commission_min": Decimal("5.00"),
        "stamp_duty_rate": Decimal("0.0005"),
        "transfer_fee_rate": Decimal("0.00001"),
        "created_at": now,
        "updated_at": now,
        **changes,
    }
    row = Contest(**values)
    db.add(row)
    await db.flush()
    return row


@dataclass(frozen=True)
class Holding:
    symbol: str
    quantity: int


async def entry(
    db: AsyncSession,
    contest: Contest,
    user_id: uuid.UUID,
    *,
    joined_at: datetime,
    cash: Decimal = CASH,
    holdings: tuple[Holding, ...] = (),
) -> ContestEntry:
    row = ContestEntry(
        contest_id=contest.id,
        user_id=user_id,
        joined_at=joined_at,
        starting_cash=contest.starting_cash,
        cash=cash,
    )
    db.add(row)
    await db.flush()
    for holding in holdings:
        db.add(
            ContestPosition(
                entry_id=row.id, symbol=holding.symbol, user_id=user_id, quantity=holding.quantity
            )
        )
    await db.flush()
    return row


async def fills(db: AsyncSession, entry: ContestEntry, rows: list[dict[str, Any]]) -> None:
    """Fills (with orders behind them, as the fill table asks) for the report card's figures."""
    for number, spec in enumerate(rows):
        price, quantity = Decimal(spec["price"]), int(spec["quantity"])
        notional = (price * quantity).quantize(Decimal("0.01"))
        fees = Decimal(spec.get("fees", "5.00"))
        side = spec["side"]
        order = ContestOrder(
            contest_id=entry.contest_id,
            entry_id=entry.id,
            user_id=entry.user_id,
            client_order_id=f"o{number}-{uuid.uuid4().hex[:6]}",
            request_hash="0" * 64,
            symbol=spec["symbol"],
            side=side,
            type="market",
            quantity=quantity,
            status="filled",
            filled_quantity=quantity,
            avg_fill_price=price,
            commission=fees,
            trading_day=spec["day"],
            expires_at=spec["at"],
            created_at=spec["at"],
            updated_at=spec["at"],
        )
        db.add(order)
        await db.flush()
        sign = -1 if side == "buy" else 1
        db.add(
            ContestFill(
                order_id=order.id,
                contest_id=entry.contest_id,
                entry_id=entry.id,
                user_id=entry.user_id,
                symbol=spec["symbol"],
                side=side,
                quantity=quantity,
                price=price,
                notional=notional,
                commission=fees,
                stamp_duty=Decimal("0.00"),
                transfer_fee=Decimal("0.00"),
                cash_delta=sign * notional - fees,
                at_limit_up=spec.get("at_limit_up", False),
                trading_day=spec["day"],
                filled_at=spec["at"],
            )
        )
    await db.flush()
