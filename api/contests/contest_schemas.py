"""Bodies of the contest routes: contests, entries, orders and portfolios, and the marketers'
contest definitions.

Money is a decimal string with two places ("1000000.00"), prices have the instrument's tick
("12.34", ETFs "3.456"), rates are decimal strings ("0.00025" is 0.025%), percentages decimal
strings with two places. Requests accept decimals as strings or JSON numbers.
"""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from api.pagination import Page

AwareTime = Annotated[datetime, Meta(tz=True)]
Board = Literal["sh_main", "sz_main", "chinext", "star", "bse"]
MarketHours = Literal["exchange", "always"]
Ranking = Literal["return", "risk_adjusted"]
Symbol = Annotated[str, Meta(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9.]+$")]
Title = Annotated[str, Meta(min_length=1, max_length=120)]
ClientOrderId = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="The app's id for this order: the same id returns the same order.",
    ),
]
Quantity = Annotated[int, Meta(ge=1, le=1_000_000_000, description="Shares.")]
DecimalIn = Annotated[Decimal, Meta(description="A decimal, as a string or a number.")]


class TitleIn(Struct, forbid_unknown_fields=True, rename={"zh_cn": "zh-CN"}):
    zh_cn: Title
    en: Title


class UniverseIn(Struct, forbid_unknown_fields=True):
    """Both empty (the default): every instrument."""

    symbols: Annotated[list[Annotated[str, Meta(max_length=9)]], Meta(max_length=500)] = []
    boards: Annotated[list[Board], Meta(max_length=5)] = []


class RulesIn(Struct, forbid_unknown_fields=True):
    """Overrides of the rule pack's figures; what is left out keeps the pack's value."""

    commission_rate: DecimalIn | UnsetType = UNSET
    commission_min: DecimalIn | UnsetType = UNSET
    stamp_duty_rate: DecimalIn | UnsetType = UNSET
    transfer_fee_rate: DecimalIn | UnsetType = UNSET
    t_plus_one: bool | UnsetType = UNSET
    min_price: DecimalIn | UnsetType | None = UNSET
    concentration_cap_pct: DecimalIn | UnsetType | None = UNSET


class MinActivityIn(Struct, forbid_unknown_fields=True):
    round_trips: Annotated[int, Meta(ge=0, le=1000)] = 0
    trading_days: Annotated[int, Meta(ge=0, le=366)] = 0


class PrizeIn(Struct, forbid_unknown_fields=True):
    rank_from: Annotated[int, Meta(ge=1, le=10_000_000)]
    rank_to: Annotated[int, Meta(ge=1, le=10_000_000)]
    points: Annotated[int, Meta(ge=1, le=1_000_000)]


Prizes = Annotated[list[PrizeIn], Meta(max_length=50)]
MaxEntrants = Annotated[int, Meta(ge=1, le=10_000_000)]


class ContestCreate(Struct, forbid_unknown_fields=True):
    title: TitleIn
    starts_at: AwareTime
    ends_at: AwareTime
    market_hours: MarketHours
    registration_ends_at: AwareTime | None = None
    late_entry: bool = True
    starting_cash: DecimalIn = Decimal("1000000.00")
    universe: UniverseIn | None = None
    rule_pack: Literal["cn_a_share"] = "cn_a_share"
    rules: RulesIn | None = None
    ranking: Ranking = "return"
    min_activity: MinActivityIn | None = None
    max_entrants: MaxEntrants | None = None
    prizes: Prizes = []


class ContestPatch(Struct, forbid_unknown_fields=True):
    """Only the fields given change; `rules` overrides only the figures it names."""

    title: TitleIn | UnsetType = UNSET
    starts_at: AwareTime | UnsetType = UNSET
    ends_at: AwareTime | UnsetType = UNSET
    market_hours: MarketHours | UnsetType = UNSET
    registration_ends_at: AwareTime | UnsetType | None = UNSET
    late_entry: bool | UnsetType = UNSET
    starting_cash: DecimalIn | UnsetType = UNSET
    universe: UniverseIn | UnsetType = UNSET
    rules: RulesIn | UnsetType = UNSET
    ranking: Ranking | UnsetType = UNSET
    min_activity: MinActivityIn | UnsetType = UNSET
    max_entrants: MaxEntrants | UnsetType | None = UNSET
    prizes: Prizes | UnsetType = UNSET


class ContestItem(Struct):
    id: uuid.UUID
    title: str
    status: str  # upcoming | running | finished
    starts_at: datetime
    ends_at: datetime
    registration_ends_at: datetime
    market_hours: str
    starting_cash: str
    entrants: int
    joined: bool


class ContestPage(Page[ContestItem]):
    """Contests, latest start first."""


class RulesOut(Struct):
    rule_pack: str
    commission_rate: str
    commission_min: str
    stamp_duty_rate: str
    transfer_fee_rate: str
    t_plus_one: bool
    min_price: str | None
    concentration_cap_pct: str | None
    late_entry: bool
    max_entrants: int | None
    short_selling: bool  # always false: the A-share pack has no short selling


class UniverseOut(Struct):
    symbols: list[str]
    boards: list[str]


class MinActivityOut(Struct):
    round_trips: int
    trading_days: int


class PrizeOut(Struct):
    rank_from: int
    rank_to: int
    points: int


class ContestOut(Struct):
    id: uuid.UUID
    title: str
    title_i18n: dict[str, str]
    status: str
    starts_at: datetime
    ends_at: datetime
    registration_ends_at: datetime
    market_hours: str
    starting_cash: str
    entrants: int
    joined: bool
    rules: RulesOut
    universe: UniverseOut
    ranking: str
    min_activity: MinActivityOut
    prizes: list[PrizeOut]


class EntryOut(Struct):
    entry_id: uuid.UUID
    cash: str
    joined_at: datetime


class OrderIn(Struct, forbid_unknown_fields=True):
    symbol: Symbol
    side: Literal["buy", "sell"]
    type: Literal["market", "limit"]
    quantity: Quantity
    client_order_id: ClientOrderId
    limit_price: DecimalIn | None = None


class FeesOut(Struct):
    commission: str
    stamp_duty: str
    transfer_fee: str
    total: str


class OrderOut(Struct):
    id: uuid.UUID
    client_order_id: str
    symbol: str
    side: str
    type: str
    quantity: int
    limit_price: str | None
    status: str  # filled | open | rejected | cancelled | expired
    reject_reason: str | None
    filled_quantity: int
    avg_fill_price: str | None
    fees: FeesOut
    cash_held: str  # set aside for an open buy order
    trading_day: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime


class OrderPage(Page[OrderOut]):
    """The caller's orders, newest first."""


class PositionOut(Struct):
    symbol: str
    quantity: int
    available: int  # sellable now: not held by open orders, not bought today (T+1)
    avg_cost: str
    last_price: str
    market_value: str
    simulated: bool


class PortfolioOut(Struct):
    entry_id: uuid.UUID
    starting_cash: str
    cash: str
    cash_available: str
    positions: list[PositionOut]
    equity: str
    return_pct: str
    fees_paid: str
