"""Contest rows into response bodies, and request decimals checked field by field."""

from datetime import datetime
from decimal import Decimal

import msgspec

from api.contests.contest_schemas import (
    ContestItem,
    ContestOut,
    FeesOut,
    MinActivityOut,
    OrderOut,
    PortfolioOut,
    PositionOut,
    PrizeOut,
    RulesOut,
    UniverseOut,
)
from api.problems import ProblemError
from gamification.contests.definitions import status_of
from gamification.contests.models import Contest
from gamification.contests.orders import OrderRecord
from gamification.contests.portfolio import Portfolio

# The portfolio is polled by every player's app: its body is encoded here, once, to bytes (it
# holds no timestamps, so `api.timestamps` has nothing to write in it).
_PORTFOLIO_ENCODER = msgspec.json.Encoder()


def invalid(errors: list[tuple[str, str]]) -> ProblemError:
    return ProblemError(
        422,
        "validation-error",
        "One or more fields are not valid.",
        errors=[{"field": field, "message": message} for field, message in errors],
    )


def decimal_problem(
    value: Decimal, *, places: int, low: Decimal, high: Decimal, low_inclusive: bool = False
) -> str | None:
    """Why `value` is not a decimal with at most `places` places within (low, high]."""
    if not value.is_finite():
        return "must be a finite decimal number"
    below = value < low if low_inclusive else value <= low
    if below or value > high:
        bounds = f"{'at least' if low_inclusive else 'above'} {low} and at most {high}"
        return f"must be {bounds}"
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        return f"must have at most {places} decimal places"
    return None


def localised(contest: Contest, locale: str) -> str:
    return contest.title_en if locale == "en" else contest.title_zh


def money(value: Decimal) -> str:
    return f"{value:.2f}" if value else "0.00"  # never "-0.00"


def price(value: Decimal) -> str:
    """A price with its tick's places: two, or three for ETF prices that use the third."""
    return f"{value:.3f}" if value != value.quantize(Decimal("0.01")) else f"{value:.2f}"


def contest_item(contest: Contest, *, joined: bool, locale: str, now: datetime) -> ContestItem:
    return ContestItem(
        id=contest.id,
        title=localised(contest, locale),
        status=status_of(contest, now),
        starts_at=contest.starts_at,
        ends_at=contest.ends_at,
        registration_ends_at=contest.registration_ends_at,
        market_hours=contest.market_hours,
        starting_cash=money(contest.starting_cash),
        entrants=contest.entrants,
        joined=joined,
    )


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def contest_out(contest: Contest, *, joined: bool, locale: str, now: datetime) -> ContestOut:
    return ContestOut(
        id=contest.id,
        title=localised(contest, locale),
        title_i18n={"zh-CN": contest.title_zh, "en": contest.title_en},
        status=status_of(contest, now),
        starts_at=contest.starts_at,
        ends_at=contest.ends_at,
        registration_ends_at=contest.registration_ends_at,
        market_hours=contest.market_hours,
        starting_cash=money(contest.starting_cash),
        entrants=contest.entrants,
        joined=joined,
        rules=RulesOut(
            rule_pack=contest.rule_pack,
            commission_rate=_plain(contest.commission_rate),
            commission_min=money(contest.commission_min),
            stamp_duty_rate=_plain(contest.stamp_duty_rate),
            transfer_fee_rate=_plain(contest.transfer_fee_rate),
            t_plus_one=contest.t_plus_one,
            min_price=price(contest.min_price) if contest.min_price is not None else None,
            concentration_cap_pct=_plain(contest.concentration_cap_pct)
            if contest.concentration_cap_pct is not None
            else None,
            late_entry=contest.late_entry,
            max_entrants=contest.max_entrants,
            short_selling=False,
        ),
        universe=UniverseOut(
            symbols=list(contest.universe_symbols), boards=list(contest.universe_boards)
        ),
        ranking=contest.ranking,
        min_activity=MinActivityOut(
            round_trips=contest.min_round_trips, trading_days=contest.min_trading_days
        ),
        prizes=[PrizeOut(**prize) for prize in contest.prizes],
    )


def order_out(order: OrderRecord) -> OrderOut:
    total = order.commission + order.stamp_duty + order.transfer_fee
    return OrderOut(
        id=order.id,
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side,
        type=order.type,
        quantity=order.quantity,
        limit_price=price(order.limit_price) if order.limit_price is not None else None,
        status=order.status,
        reject_reason=order.reject_reason,
        filled_quantity=order.filled_quantity,
        avg_fill_price=price(order.avg_fill_price) if order.avg_fill_price is not None else None,
        fees=FeesOut(
            commission=money(order.commission),
            stamp_duty=money(order.stamp_duty),
            transfer_fee=money(order.transfer_fee),
            total=money(total),
        ),
        cash_held=money(order.cash_held),
        trading_day=order.trading_day.isoformat(),
        expires_at=order.expires_at,
        created_at=order.created_at,
        updated_at=order.updated_at,
    )


def portfolio_out(portfolio: Portfolio) -> PortfolioOut:
    return PortfolioOut(
        entry_id=portfolio.entry_id,
        starting_cash=money(portfolio.starting_cash),
        cash=money(portfolio.cash),
        cash_available=money(portfolio.cash_available),
        positions=[
            PositionOut(
                symbol=p.symbol,
                quantity=p.quantity,
                available=p.available,
                avg_cost=price(p.avg_cost),
                last_price=price(p.last_price),
                market_value=money(p.market_value),
                simulated=p.simulated,
            )
            for p in portfolio.positions
        ],
        equity=money(portfolio.equity),
        return_pct=money(portfolio.return_pct),
        fees_paid=money(portfolio.fees_paid),
    )


def portfolio_body(portfolio: Portfolio) -> bytes:
    """`PortfolioOut` as JSON."""
    return _PORTFOLIO_ENCODER.encode(portfolio_out(portfolio))
