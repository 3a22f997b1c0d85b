"""The contests' own tables: contests, entries with their paper cash, positions, orders and
fills. Paper cash is a ledger of its own, never mixed with points: an entry's `cash` is its
starting cash plus the `cash_delta` of every fill (`contest_all_fills`), in yuan to the fen.
The invariants are CHECK and UNIQUE constraints (migration 0016) as well as code."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from core.tables import CheckedType, checked_type, id_field, utc_timestamp
from gamification.contests.market_models import PRICE

MONEY = sa.Numeric(16, 2)
RATE = sa.Numeric(8, 6)
SHARES = sa.BigInteger
USER_FK = "user_account.id"
CONTEST_FK = "contest.id"
ENTRY_FK = "contest_entry.id"
ZERO = Decimal("0.00")


class Contest(SQLModel, table=True):
    """A contest as marketers define it: window, cash, universe, rules, ranking and prizes.
    Its status (upcoming, running, finished) follows from the clock and the window."""

    __tablename__ = "contest"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="window"),
        sa.CheckConstraint("registration_ends_at <= ends_at", name="registration_window"),
        sa.CheckConstraint("starting_cash > 0", name="starting_cash_positive"),
        sa.CheckConstraint("market_hours IN ('exchange', 'always')", name="market_hours"),
        sa.CheckConstraint("rule_pack = 'cn_a_share'", name="rule_pack"),
        sa.CheckConstraint("ranking IN ('return', 'risk_adjusted')", name="ranking"),
        # A broker may charge at most 0.3% by rule; the other rates are kept near their figures.
        sa.CheckConstraint("commission_rate BETWEEN 0 AND 0.003", name="commission_rate"),
        sa.CheckConstraint("commission_min BETWEEN 0 AND 100", name="commission_min"),
        sa.CheckConstraint("stamp_duty_rate BETWEEN 0 AND 0.01", name="stamp_duty_rate"),
        sa.CheckConstraint("transfer_fee_rate BETWEEN 0 AND 0.001", name="transfer_fee_rate"),
        sa.CheckConstraint("min_price IS NULL OR min_price > 0", name="min_price"),
        sa.CheckConstraint(
            "concentration_cap_pct IS NULL OR concentration_cap_pct BETWEEN 1 AND 100",
            name="concentration_cap_pct",
        ),
        sa.CheckConstraint(
            "entrants >= 0 AND (max_entrants IS NULL OR entrants <= max_entrants)",
            name="entrants",
        ),
        sa.CheckConstraint("min_round_trips >= 0 AND min_trading_days >= 0", name="min_activity"),
        sa.Index("ix_contest_starts_at_id", "starts_at", "id"),
    )

    id: uuid.UUID = id_field()
    title_zh: str = Field(max_length=120)
    title_en: str = Field(max_length=120)
    starts_at: datetime = utc_timestamp()
    ends_at: datetime = utc_timestamp()
    registration_ends_at: datetime = utc_timestamp()
    late_entry: bool = True
    starting_cash: Decimal = Field(sa_type=MONEY)
    market_hours: str = Field(max_length=8)  # exchange | always
    universe_symbols: list[str] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.String(9)), nullable=False)
    )  # with universe_boards: both empty means every instrument
    universe_boards: list[str] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(sa.String(8)), nullable=False)
    )
    rule_pack: str = Field(default="cn_a_share", max_length=16)
    commission_rate: Decimal = Field(sa_type=RATE)
    commission_min: Decimal = Field(sa_type=MONEY)
    stamp_duty_rate: Decimal = Field(sa_type=RATE)
    transfer_fee_rate: Decimal = Field(sa_type=RATE)
    t_plus_one: bool = True
    min_price: Decimal | None = Field(default=None, sa_type=PRICE)
    concentration_cap_pct: Decimal | None = Field(default=None, sa_type=sa.Numeric(5, 2))
    max_entrants: int | None = None
    entrants: int = 0  # counted on join, so a full contest refuses without count(*)
    ranking: str = Field(default="return", max_length=16)
    min_round_trips: int = 0
    min_trading_days: int = 0
    prizes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)
    created_by: uuid.UUID | None = Field(default=None, foreign_key=USER_FK)
    created_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()


class ContestEntry(SQLModel, table=True):
    """A user's place in a contest, with its paper cash. `cash_held` is the part of `cash`
    set aside for open buy orders; the order-rate window is counted on this row."""

    __tablename__ = "contest_entry"
    __table_args__ = (
        sa.UniqueConstraint("contest_id", "user_id"),
        sa.CheckConstraint("cash >= 0", name="cash_not_negative"),
        sa.CheckConstraint("cash_held >= 0 AND cash_held <= cash", name="cash_held_in_range"),
        sa.CheckConstraint("fees_paid >= 0", name="fees_paid_not_negative"),
        sa.CheckConstraint("orders_in_window >= 0", name="orders_in_window_not_negative"),
        sa.Index("ix_contest_entry_contest_id_joined_at_id", "contest_id", "joined_at", "id"),
    )

    id: uuid.UUID = id_field()
    contest_id: uuid.UUID = Field(foreign_key=CONTEST_FK)
    user_id: uuid.UUID = Field(foreign_key=USER_FK, index=True)
    joined_at: datetime = utc_timestamp()
    starting_cash: Decimal = Field(sa_type=MONEY)
    cash: Decimal = Field(sa_type=MONEY)
    cash_held: Decimal = Field(default=ZERO, sa_type=MONEY)
    fees_paid: Decimal = Field(default=ZERO, sa_type=MONEY)
    orders_window_started_at: datetime | None = utc_timestamp(nullable=True)
    orders_in_window: int = 0
    anonymised_at: datetime | None = utc_timestamp(nullable=True)  # the account was deleted


class ContestPosition(SQLModel, table=True):
    """Shares an entry holds in one instrument. `reserved` are held for open sell orders;
    `bought_today` were bought on trading day `bought_on` and are not sellable before the next
    one (T+1). `cost` is what the shares held cost, buy fees included (for the average cost)."""

    __tablename__ = "contest_position"
    __table_args__ = (
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        sa.CheckConstraint("reserved >= 0 AND reserved <= quantity", name="reserved_in_range"),
        sa.CheckConstraint(
            "bought_today >= 0 AND bought_today <= quantity", name="bought_today_in_range"
        ),
        sa.CheckConstraint("cost >= 0", name="cost_not_negative"),
    )

    # No foreign keys: the writers lock the entry and accept only listed symbols (0030, 0036).
    entry_id: uuid.UUID = Field(primary_key=True)
    symbol: str = Field(max_length=9, primary_key=True)
    user_id: uuid.UUID  # the entry's
    quantity: int = Field(sa_type=SHARES)
    reserved: int = Field(default=0, sa_type=SHARES)
    bought_today: int = Field(default=0, sa_type=SHARES)
    bought_on: date | None = None
    cost: Decimal = Field(default=ZERO, sa_type=MONEY)


# An order's rules of one column each, as its columns' types (migration 0055): every order
# writes this table.
def _order_rule(name: str, data_type: Any, check: str, rule: str) -> CheckedType:
    return checked_type(name, data_type, check=check, constraint_name=f"ck_contest_order_{rule}")


ORDER_SIDE = _order_rule("contest_order_side", sa.String(4), "VALUE IN ('buy', 'sell')", "side")
ORDER_TYPE = _order_rule("contest_order_type", sa.String(6), "VALUE IN ('market', 'limit')", "type")
ORDER_STATUS = _order_rule(
    "contest_order_status",
    sa.String(9),
    "VALUE IN ('open', 'filled', 'rejected', 'cancelled', 'expired')",
    "status",
)
ORDER_QUANTITY = _order_rule(
    "contest_order_quantity", SHARES, "VALUE BETWEEN 1 AND 1000000000", "quantity"
)
ORDER_LIMIT_PRICE = _order_rule(
    "contest_order_limit_price", PRICE, "VALUE > 0", "limit_price_positive"
)
ORDER_FEE = _order_rule("contest_order_fee", MONEY, "VALUE >= 0", "fees_not_negative")


class ContestOrder(SQLModel, table=True):
    """An order as placed, with how it ended. A rejected order is kept with its reason so the
    app lists it; `client_order_id` is unique per entry (the same id replays the order)."""

    __tablename__ = "contest_order"
    __table_args__ = (
        sa.UniqueConstraint("entry_id", "client_order_id"),
        # The rules of one column each are the column types' (the domains above).
        sa.CheckConstraint("(type = 'limit') = (limit_price IS NOT NULL)", name="limit_price"),
        sa.CheckConstraint("(status = 'rejected') = (reject_reason IS NOT NULL)", name="rejected"),
        sa.CheckConstraint(
            "(status = 'filled') = (filled_quantity = quantity AND avg_fill_price IS NOT NULL)"
            " AND filled_quantity IN (0, quantity)",
            name="filled",
        ),
        sa.CheckConstraint(
            "cash_held >= 0 AND (cash_held = 0 OR (status = 'open' AND side = 'buy'))",
            name="cash_held",
        ),
        sa.CheckConstraint(
            "(filled_at IS NULL) = (fill_trading_day IS NULL)"
            " AND (filled_at IS NULL) = (fill_at_limit_up IS NULL)"
            " AND (filled_at IS NULL OR status = 'filled')",
            name="tick_fill",
        ),
        sa.Index("ix_contest_order_entry_id_created_at_id", "entry_id", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    # The entry's contest and user: no foreign keys of their own (migration 0035).
    contest_id: uuid.UUID
    entry_id: uuid.UUID = Field(foreign_key=ENTRY_FK)
    user_id: uuid.UUID
    client_order_id: str = Field(max_length=64)
    request_hash: str = Field(max_length=64)  # the body the client_order_id was first used with
    symbol: str = Field(max_length=16)  # as sent: an unknown symbol is a rejected order
    side: str = Field(sa_type=ORDER_SIDE)
    type: str = Field(sa_type=ORDER_TYPE)
    quantity: int = Field(sa_type=ORDER_QUANTITY)
    limit_price: Decimal | None = Field(default=None, sa_type=ORDER_LIMIT_PRICE)
    status: str = Field(sa_type=ORDER_STATUS)
    reject_reason: str | None = Field(default=None, max_length=32)
    filled_quantity: int = Field(default=0, sa_type=SHARES)
    avg_fill_price: Decimal | None = Field(default=None, sa_type=PRICE)
    commission: Decimal = Field(default=ZERO, sa_type=ORDER_FEE)
    stamp_duty: Decimal = Field(default=ZERO, sa_type=ORDER_FEE)
    transfer_fee: Decimal = Field(default=ZERO, sa_type=ORDER_FEE)
    cash_held: Decimal = Field(default=ZERO, sa_type=MONEY)  # an open buy's cash set aside
    # The order's fill, recorded here (by the market tick since migration 0050, by placing
    # since 0054) rather than in a `contest_fill` row: the rest of it is the order's own
    # columns (`contest_all_fills`).
    filled_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    fill_trading_day: date | None = None
    fill_at_limit_up: bool | None = None
    trading_day: date
    expires_at: datetime = utc_timestamp()  # the end of its trading day (or of the contest)
    created_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()


class ContestRestingOrder(SQLModel, table=True):
    """An open limit order, while it is open (migration 0040): what the market tick searches
    (by symbol, side and limit price) and expires (by its end). Written and deleted with its
    order's own changes; every path locks this row before the order row."""

    __tablename__ = "contest_resting_order"
    __table_args__ = (
        sa.Index(
            "ix_contest_resting_order_symbol_side_limit_price", "symbol", "side", "limit_price"
        ),
        sa.Index("ix_contest_resting_order_expires_at", "expires_at"),
    )

    order_id: uuid.UUID = Field(primary_key=True)
    entry_id: uuid.UUID
    symbol: str = Field(max_length=16)
    side: str = Field(max_length=4)
    limit_price: Decimal = Field(sa_type=PRICE)
    expires_at: datetime = utc_timestamp()


class ContestFill(SQLModel, table=True):
    """One execution: the paper-cash journal of the fills made before every fill was recorded
    on its order (by the market tick since migration 0050, by placing since 0054); nothing
    writes it now. `cash_delta` is what it did to the entry's cash (negative for buys: shares
    and fees; positive for sells: proceeds less fees). The view `contest_all_fills` reads
    both kinds, in these columns."""

    __tablename__ = "contest_fill"
    __table_args__ = (
        sa.CheckConstraint("side IN ('buy', 'sell')", name="side"),
        sa.CheckConstraint("quantity > 0 AND price > 0 AND notional > 0", name="positive"),
        sa.CheckConstraint(
            "cash_delta = (CASE side WHEN 'buy' THEN -1 ELSE 1 END) * notional"
            " - commission - stamp_duty - transfer_fee",
            name="cash_delta",
        ),
        sa.Index("ix_contest_fill_entry_id_filled_at", "entry_id", "filled_at"),
    )

    id: uuid.UUID = id_field()
    order_id: uuid.UUID = Field(unique=True)  # written with its order's update (0036)
    # The order's own keys (no foreign keys of their own: migration 0030).
    contest_id: uuid.UUID
    entry_id: uuid.UUID
    user_id: uuid.UUID
    symbol: str = Field(max_length=9)
    side: str = Field(max_length=4)
    quantity: int = Field(sa_type=SHARES)
    price: Decimal = Field(sa_type=PRICE)
    notional: Decimal = Field(sa_type=MONEY)
    commission: Decimal = Field(sa_type=MONEY)
    stamp_duty: Decimal = Field(sa_type=MONEY)
    transfer_fee: Decimal = Field(sa_type=MONEY)
    cash_delta: Decimal = Field(sa_type=MONEY)
    at_limit_up: bool = False  # a buy at the day's limit-up price (the report card asks)
    trading_day: date
    filled_at: datetime = utc_timestamp()


# Every fill, journalled (before 0054) or recorded on its order: the view of migration 0050,
# in the journal's columns.
ALL_FILLS = sa.table(
    "contest_all_fills",
    *(sa.column(column.name, column.type) for column in ContestFill.__table__.columns),  # type: ignore[attr-defined]
)

__all__ = [
    "ALL_FILLS",
    "Contest",
    "ContestEntry",
    "ContestFill",
    "ContestOrder",
    "ContestPosition",
    "ContestRestingOrder",
]
