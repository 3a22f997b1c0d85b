"""The `cn_a_share` rule pack, pure: board lots, ticks, daily price bands, T+1 and fees, and the
one decision every order goes through (reject with a reason, fill now, or rest).

The market's figures (as of 2026, see CONTENT.md): buys in 100-share lots (STAR: 200, then steps
of 1; Beijing: 100, then steps of 1); an odd lot is sold all at once; ticks of ¥0.01 (ETFs
¥0.001); a daily band of ±10% / ±20% / ±30% around the previous close, rounded half up to the
tick; commission 0.025% with a ¥5 minimum, stamp duty 0.05% on sells, transfer fee 0.001% on
both sides, each rounded half up to the fen. A contest may override every fee figure.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

FEN = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"  # fills at once at the last price
    LIMIT = "limit"  # fills at once when marketable, else rests until the price crosses


class OrderStatus(StrEnum):
    OPEN = "open"
    FILLED = "filled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class RejectReason(StrEnum):
    """Why a well-formed order was refused: the app shows the order with this reason."""

    MARKET_CLOSED = "market_closed"
    LOT_SIZE = "lot_size"
    PRICE_BAND = "price_band"
    TICK_SIZE = "tick_size"
    INSUFFICIENT_CASH = "insufficient_cash"
    T_PLUS_ONE = "t_plus_one"
    INSUFFICIENT_SHARES = "insufficient_shares"
    CONCENTRATION_CAP = "concentration_cap"
    MIN_PRICE = "min_price"
    NOT_IN_UNIVERSE = "not_in_universe"
    CONTEST_NOT_RUNNING = "contest_not_running"


@dataclass(frozen=True)
class FeeSchedule:
    """What a trade costs; rates are fractions (0.00025 is 0.025%), money is yuan."""

    commission_rate: Decimal = Decimal("0.00025")
    commission_min: Decimal = Decimal("5.00")
    stamp_duty_rate: Decimal = Decimal("0.0005")  # sells only
    transfer_fee_rate: Decimal = Decimal("0.00001")  # both sides


@dataclass(frozen=True)
class Fees:
    commission: Decimal
    stamp_duty: Decimal
    transfer_fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.commission + self.stamp_duty + self.transfer_fee


NO_FEES = Fees(ZERO, ZERO, ZERO)


def to_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def fees_for(side: Side, notional: Decimal, schedule: FeeSchedule) -> Fees:
    """The fees of one fill worth `notional` yuan; the commission minimum applies per fill."""
    commission = max(to_fen(notional * schedule.commission_rate), to_fen(schedule.commission_min))
    stamp_duty = to_fen(notional * schedule.stamp_duty_rate) if side is Side.SELL else ZERO
    return Fees(commission, stamp_duty, to_fen(notional * schedule.transfer_fee_rate))


def notional_of(quantity: int, price: Decimal) -> Decimal:
    return to_fen(price * quantity)


def buy_cost(quantity: int, price: Decimal, schedule: FeeSchedule) -> Decimal:
    """Cash a buy takes: what the shares cost plus every fee."""
    notional = notional_of(quantity, price)
    return notional + fees_for(Side.BUY, notional, schedule).total


def sell_proceeds(quantity: int, price: Decimal, schedule: FeeSchedule) -> Decimal:
    """Cash a sell brings: what the shares fetch less every fee (may be negative for tiny
    sells, where the ¥5 minimum commission is more than the shares are worth)."""
    notional = notional_of(quantity, price)
    return notional - fees_for(Side.SELL, notional, schedule).total


@dataclass(frozen=True)
class LotRule:
    lot_size: int  # the smallest buy
    lot_step: int  # the increment above it


def buy_quantity_ok(quantity: int, lot: LotRule) -> bool:
    return quantity >= lot.lot_size and (quantity - lot.lot_size) % lot.lot_step == 0


def sell_quantity_ok(quantity: int, lot: LotRule, *, holding: int) -> bool:
    """Whole lots, or every share still held: an odd lot can only be sold all at once."""
    return buy_quantity_ok(quantity, lot) or (0 < quantity == holding)


def on_tick(price: Decimal, tick_size: Decimal) -> bool:
    return price > 0 and price % tick_size == 0


def price_band(
    prev_close: Decimal, limit_pct: Decimal, tick_size: Decimal
) -> tuple[Decimal, Decimal]:
    """The day's (limit-down, limit-up) prices: previous close ∓ the band, half up to the tick;
    the limit-down price is never below one tick."""
    up = (prev_close * (1 + limit_pct / HUNDRED)).quantize(tick_size, rounding=ROUND_HALF_UP)
    down = (prev_close * (1 - limit_pct / HUNDRED)).quantize(tick_size, rounding=ROUND_HALF_UP)
    return max(down, tick_size), up


@dataclass(frozen=True)
class Tradable:
    """What the rules need to know about an instrument and its price now."""

    lot: LotRule
    tick_size: Decimal
    limit_pct: Decimal
    prev_close: Decimal
    last_price: Decimal
    t_plus_zero: bool = False  # a few ETFs (cross-border, gold) settle the same day


@dataclass(frozen=True)
class Holdings:
    """The entry's cash and its position in the instrument, net of what open orders hold."""

    cash_available: Decimal  # cash not held for open buy orders
    equity: Decimal  # cash plus every position at its last price
    unreserved: int  # shares held and not held for open sell orders
    sellable: int  # of those, the ones not bought today (T+1)
    position_value: Decimal  # the position at the last price


@dataclass(frozen=True)
class ContestRules:
    fees: FeeSchedule = FeeSchedule()
    t_plus_one: bool = True
    min_price: Decimal | None = None  # buys of instruments priced below it are refused
    concentration_cap_pct: Decimal | None = None  # one position at most this % of equity


@dataclass(frozen=True)
class OrderIntent:
    side: Side
    type: OrderType
    quantity: int
    limit_price: Decimal | None = None


@dataclass(frozen=True)
class Decision:
    """Exactly one of: `reject` set; `fill_price` set (fills now); neither (rests)."""

    reject: RejectReason | None = None
    fill_price: Decimal | None = None

    @property
    def rests(self) -> bool:
        return self.reject is None and self.fill_price is None


def decide(
    order: OrderIntent, instrument: Tradable, holdings: Holdings, rules: ContestRules
) -> Decision:
    """Check an order against the market's and the contest's rules, in the order a learner
    would fix them: quantity, price, then what they can afford or hold."""
    problem = _shape_problem(order, instrument, holdings)
    if problem is not None:
        return Decision(reject=problem)
    fill_price = _fill_price(order, instrument.last_price)
    price = fill_price if fill_price is not None else order.limit_price
    assert price is not None  # a limit order always has its price
    if order.side is Side.BUY:
        problem = _buy_problem(order.quantity, price, instrument, holdings, rules)
    else:
        problem = _sell_problem(order.quantity, price, holdings, rules, instrument.t_plus_zero)
    return Decision(reject=problem) if problem is not None else Decision(fill_price=fill_price)


def _shape_problem(
    order: OrderIntent, instrument: Tradable, holdings: Holdings
) -> RejectReason | None:
    if order.side is Side.BUY:
        lot_ok = buy_quantity_ok(order.quantity, instrument.lot)
    elif order.quantity > holdings.unreserved:
        return RejectReason.INSUFFICIENT_SHARES
    else:
        lot_ok = sell_quantity_ok(order.quantity, instrument.lot, holding=holdings.unreserved)
    if not lot_ok:
        return RejectReason.LOT_SIZE
    if order.limit_price is not None:
        if not on_tick(order.limit_price, instrument.tick_size):
            return RejectReason.TICK_SIZE
        down, up = price_band(instrument.prev_close, instrument.limit_pct, instrument.tick_size)
        if not down <= order.limit_price <= up:
            return RejectReason.PRICE_BAND
    return None


def _fill_price(order: OrderIntent, last_price: Decimal) -> Decimal | None:
    """The last price when the order can fill now; None when a limit order must rest."""
    if order.type is OrderType.MARKET or order.limit_price is None:
        return last_price
    crosses = (
        last_price <= order.limit_price
        if order.side is Side.BUY
        else last_price >= order.limit_price
    )
    return last_price if crosses else None


def _buy_problem(
    quantity: int,
    price: Decimal,
    instrument: Tradable,
    holdings: Holdings,
    rules: ContestRules,
) -> RejectReason | None:
    if rules.min_price is not None and instrument.last_price < rules.min_price:
        return RejectReason.MIN_PRICE
    notional = notional_of(quantity, price)
    fees = fees_for(Side.BUY, notional, rules.fees).total
    if rules.concentration_cap_pct is not None:
        after = holdings.position_value + notional
        if after * HUNDRED > rules.concentration_cap_pct * (holdings.equity - fees):
            return RejectReason.CONCENTRATION_CAP
    if notional + fees > holdings.cash_available:
        return RejectReason.INSUFFICIENT_CASH
    return None


def _sell_problem(
    quantity: int, price: Decimal, holdings: Holdings, rules: ContestRules, t_plus_zero: bool
) -> RejectReason | None:
    sellable = holdings.sellable if rules.t_plus_one and not t_plus_zero else holdings.unreserved
    if quantity > sellable:
        return RejectReason.T_PLUS_ONE
    if holdings.cash_available + sell_proceeds(quantity, price, rules.fees) < 0:
        return RejectReason.INSUFFICIENT_CASH  # the minimum commission outweighs the shares
    return None


__all__ = [
    "NO_FEES",
    "ContestRules",
    "Decision",
    "FeeSchedule",
    "Fees",
    "Holdings",
    "LotRule",
    "OrderIntent",
    "OrderStatus",
    "OrderType",
    "RejectReason",
    "Side",
    "Tradable",
    "buy_cost",
    "buy_quantity_ok",
    "decide",
    "fees_for",
    "notional_of",
    "on_tick",
    "price_band",
    "sell_proceeds",
    "sell_quantity_ok",
    "to_fen",
]
