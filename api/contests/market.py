"""The market routes: instruments with live quotes, bars and the index (learners), and the
broker's quote push (X-Partner-Key). Every price says whether it is simulated."""

import re
from decimal import Decimal
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, PartnerCaller
from api.audit import audit_request
from api.contests.market_schemas import (
    BarOut,
    BarsOut,
    Board,
    IndexOut,
    InstrumentOut,
    InstrumentPage,
    Interval,
    QuoteIn,
    QuotesIn,
    QuotesOut,
    RefusedQuote,
)
from api.openapi import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, make_page, page_request
from api.problems import ProblemError
from core.clock import Clock
from gamification.contests.calendar import market_calendar
from gamification.contests.market import accept_partner_quotes
from gamification.contests.market_models import SYMBOL_PATTERN
from gamification.contests.market_reads import (
    BarRow,
    InstrumentQuote,
    index_level,
    instrument_page,
    instrument_quote,
    latest_bars,
)
from gamification.contests.partner_quotes import PushedQuote

BoardParam = Annotated[Board | None, QueryParameter(name="board", description="Only this board.")]
TextParam = Annotated[
    str | None,
    QueryParameter(
        name="q",
        max_length=32,
        pattern=r"^[^\x00-\x1f]*$",
        description="A symbol prefix or part of a name.",
    ),
]
IntervalParam = Annotated[Interval, QueryParameter(name="interval", description="Bar length.")]
BarLimitParam = Annotated[
    int, QueryParameter(name="limit", ge=1, le=1000, description="How many bars, at most 1000.")
]
MAX_PUSHED_PRICE = Decimal(100_000_000)
SYMBOL = re.compile(SYMBOL_PATTERN)


def price_text(price: Decimal, tick: Decimal) -> str:
    return str(price.quantize(tick.normalize()))


def instrument_out(row: InstrumentQuote, locale: str) -> InstrumentOut:
    return InstrumentOut(
        symbol=row.symbol,
        name=row.name_en if locale == "en" else row.name_zh,
        kind=row.kind,
        board=row.board,
        risk_warning=row.risk_warning,
        t_plus_zero=row.t_plus_zero,
        lot_size=row.lot_size,
        lot_step=row.lot_step,
        tick_size=str(row.tick_size.normalize()),
        limit_pct=str(row.limit_pct),
        prev_close=price_text(row.prev_close, row.tick_size),
        last_price=price_text(row.last_price, row.tick_size),
        change_pct=str(row.change_pct),
        quoted_at=row.quoted_at,
        simulated=row.simulated,
    )


def bar_out(bar: BarRow, tick: Decimal) -> BarOut:
    return BarOut(
        t=bar.starts_at,
        open=price_text(bar.open_price, tick),
        high=price_text(bar.high_price, tick),
        low=price_text(bar.low_price, tick),
        close=price_text(bar.close_price, tick),
        volume=bar.volume,
    )


class MarketController(Controller):
    path = "/v1"
    tags = ("contests",)

    @get(
        "/instruments",
        operation_id="listInstruments",
        summary="Instruments of the paper-trading contests with their live (simulated) quotes",
        responses=problem_responses(400, 401, 422),
    )
    async def instruments(
        self,
        locale: NamedDependency[str],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        board: BoardParam = None,
        q: TextParam = None,
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> InstrumentPage:
        page = page_request(limit, cursor, (str,))
        after = str(page.after[0]) if page.after else None
        rows = await instrument_page(db, board=board, text=q, after=after, limit=limit + 1)
        items, next_cursor = make_page(rows, limit, lambda row: (row.symbol,))
        return InstrumentPage([instrument_out(row, locale) for row in items], next_cursor)

    @get(
        "/instruments/{symbol:str}/bars",
        operation_id="listInstrumentBars",
        summary="An instrument's newest one-minute or daily bars, oldest first",
        responses=problem_responses(400, 401, 404, 422),
    )
    async def bars(
        self,
        db: NamedDependency[AsyncSession],
        symbol: FromPath[str],
        interval: IntervalParam = "1m",
        limit: BarLimitParam = 240,
    ) -> BarsOut:
        quote = await instrument_quote(db, symbol) if SYMBOL.match(symbol) else None
        if quote is None:
            raise ProblemError(404, "not-found", f"No instrument {symbol[:16]!r}.")
        rows = await latest_bars(db, quote.symbol, span=interval, limit=limit)
        return BarsOut(
            symbol=quote.symbol,
            interval=interval,
            items=[bar_out(row, quote.tick_size) for row in rows],
            simulated=quote.simulated,
        )

    @get(
        "/market/index",
        operation_id="getMarketIndex",
        summary="The simulated CSI 300-like index level, and whether the market is open",
        responses=problem_responses(400, 401, 404, 422),
    )
    async def index(
        self,
        locale: NamedDependency[str],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
    ) -> IndexOut:
        level = await index_level(db)
        if level is None:
            raise ProblemError(404, "not-found", "The market has not been loaded yet.")
        now, calendar = clock.now(), market_calendar()
        return IndexOut(
            code=level.code,
            name=level.name_en if locale == "en" else level.name_zh,
            level=str(level.level),
            prev_close=str(level.prev_close),
            change_pct=str(level.change_pct),
            as_of=level.as_of,
            market_open=calendar.is_open(now),
            next_open=calendar.next_open(now),
            simulated=True,
        )


class PartnerQuoteController(Controller):
    path = "/v1/partner/quotes"
    tags = ("partner",)

    @post(
        "/",
        operation_id="pushQuotes",
        summary="Push live prices; each quote is accepted or refused with a reason",
        status_code=200,
        responses={
            200: ResponseSpec(data_container=QuotesOut, description="What was accepted"),
            **problem_responses(400, 401, 415, 422),
        },
    )
    async def push(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        partner: NamedDependency[PartnerCaller],
        data: JSONBody[QuotesIn],
    ) -> QuotesOut:
        """Refusal reasons: `unknown_symbol`, `non_positive_price`, `outside_band` (of the
        day's limits around the previous close), `stale` (older than the last quote),
        `off_tick` (not a multiple of the tick size), `future_time` (over a minute ahead)."""
        _check_prices(data.quotes)
        now = clock.now()
        pushed = [PushedQuote(q.symbol, q.price, q.at) for q in data.quotes]
        refused = await accept_partner_quotes(db, pushed, now=now, calendar=market_calendar())
        out = QuotesOut(
            accepted=len(pushed) - len(refused),
            rejected=[RefusedQuote(i, pushed[i].symbol, reason) for i, reason in refused],
        )
        await audit_request(
            db,
            request,
            partner,
            action="market.quotes",
            object_type="market",
            object_id="quotes",
            summary={"partner": partner.name, "accepted": out.accepted, "refused": len(refused)},
        )
        return out


def _check_prices(quotes: list[QuoteIn]) -> None:
    """A price that is not a finite decimal of sane size is malformed (422), not a refusal."""
    errors = [
        {"field": f"quotes[{i}].price", "message": "must be a finite decimal below 100000000"}
        for i, quote in enumerate(quotes)
        if not quote.price.is_finite() or abs(quote.price) >= MAX_PUSHED_PRICE
    ]
    if errors:
        raise ProblemError(422, "validation-error", "Some quotes are malformed.", errors=errors)
