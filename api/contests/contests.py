"""Learners' contest routes: the list and a contest's rules, joining, orders and the portfolio."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from litestar import Controller, MediaType, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.autocommit_routes import AUTOCOMMIT, DRIVER_ONLY
from api.contests.contest_rewards import pay_contest_rewards
from api.contests.contest_schemas import (
    ContestOut,
    ContestPage,
    EntryOut,
    OrderIn,
    OrderOut,
    OrderPage,
    PortfolioOut,
)
from api.contests.contest_shaping import (
    contest_item,
    contest_out,
    decimal_problem,
    invalid,
    money,
    order_out,
    portfolio_body,
)
from api.database import request_session
from api.engagement.events import reporting_of
from api.idempotency import request_fingerprint
from api.openapi import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, make_page, page_request
from api.settings import Settings
from api.timestamps import TimestampedResponse
from core.clock import Clock
from gamification.contests.calendar import market_calendar
from gamification.contests.contest_rewards import CONTEST_JOINED, contest_event
from gamification.contests.definitions import get_contest, has_joined, list_contests
from gamification.contests.entries import join_contest
from gamification.contests.order_book import cancel_order, list_orders
from gamification.contests.orders import OrderRequest, place_order
from gamification.contests.portfolio import read_portfolio
from gamification.contests.rules import OrderType, Side

MAX_LIMIT_PRICE = Decimal(1_000_000)
PRICE_PLACES = 3  # the finest tick (ETFs): a price with more places can be on no tick

ContestStatus = Annotated[
    Literal["upcoming", "running", "finished"] | None,
    QueryParameter(name="status", description="Only contests in this state."),
]
OrderStatusFilter = Annotated[
    Literal["open", "filled", "rejected", "cancelled", "expired"] | None,
    QueryParameter(name="status", description="Only orders in this state."),
]


def order_request(data: OrderIn) -> OrderRequest:
    """The order as the domain takes it; a malformed limit price is a 422 naming it."""
    errors = []
    if data.type == "limit" and data.limit_price is None:
        errors.append(("limit_price", "is required for a limit order"))
    if data.type == "market" and data.limit_price is not None:
        errors.append(("limit_price", "is only for limit orders"))
    if data.limit_price is not None:
        problem = decimal_problem(
            data.limit_price, places=PRICE_PLACES, low=Decimal(0), high=MAX_LIMIT_PRICE
        )
        if problem is not None:
            errors.append(("limit_price", problem))
    if errors:
        raise invalid(errors)
    return OrderRequest(
        symbol=data.symbol,
        side=Side(data.side),
        type=OrderType(data.type),
        quantity=data.quantity,
        limit_price=data.limit_price.normalize() if data.limit_price is not None else None,
        client_order_id=data.client_order_id,
        request_hash=request_fingerprint(data),
    )


class ContestController(Controller):
    path = "/v1/contests"
    tags = ("contests",)

    @get(
        "/",
        operation_id="listContests",
        summary="Contests, latest start first, with whether the caller joined each",
        responses=problem_responses(400, 401, 422),
    )
    async def list_all(
        self,
        locale: NamedDependency[str],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        status: ContestStatus = None,
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> ContestPage:
        now = clock.now()
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        after = (page.after[0], page.after[1]) if page.after else None
        rows = await list_contests(
            db, user_id=caller.user_id, status=status, now=now, limit=limit + 1, after=after
        )
        items, next_cursor = make_page(rows, limit, lambda row: (row[0].starts_at, row[0].id))
        return ContestPage(
            items=[contest_item(c, joined=j, locale=locale, now=now) for c, j in items],
            next_cursor=next_cursor,
        )

    @get(
        "/{contest_id:uuid}",
        operation_id="getContest",
        summary="A contest with its rules, universe, ranking, minimum activity and prizes",
        responses=problem_responses(400, 401, 404),
    )
    async def detail(
        self,
        locale: NamedDependency[str],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        contest_id: FromPath[uuid.UUID],
    ) -> ContestOut:
        contest = await get_contest(db, contest_id)
        joined = await has_joined(db, contest_id, caller.user_id)
        return contest_out(contest, joined=joined, locale=locale, now=clock.now())

    @post(
        "/{contest_id:uuid}/entries",
        operation_id="joinContest",
        summary="Join a contest: an entry with its own paper cash",
        status_code=201,
        responses=problem_responses(400, 401, 404, 409),
    )
    async def join(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        caller: NamedDependency[Caller],
        contest_id: FromPath[uuid.UUID],
    ) -> EntryOut:
        """409 `already-joined`, `contest-full` or `registration-closed` (the detail says why).
        Joining earns the `contest_joined` reward, once per contest."""
        now = clock.now()
        entry = await join_contest(db, contest_id=contest_id, user_id=caller.user_id, now=now)
        joined = contest_event(CONTEST_JOINED, contest_id, caller.user_id, now)
        await pay_contest_rewards(db, caller, settings, [joined], now=now)
        return EntryOut(entry_id=entry.id, cash=money(entry.cash), joined_at=entry.joined_at)

    @post(
        "/{contest_id:uuid}/orders",
        operation_id="placeOrder",
        summary="Place a market or limit order",
        status_code=201,
        opt=DRIVER_ONLY,  # one statement, atomic on its own
        responses={
            200: ResponseSpec(
                data_container=OrderOut, description="The order placed before with this id"
            ),
            201: ResponseSpec(
                data_container=OrderOut,
                description="The order: filled, open, or rejected with its `reject_reason`",
            ),
            **problem_responses(400, 401, 404, 409, 422, 429),
        },
    )
    async def place(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        caller: NamedDependency[Caller],
        contest_id: FromPath[uuid.UUID],
        data: JSONBody[OrderIn],
    ) -> Response[OrderOut]:
        """A well-formed order that breaks a market rule is answered 201 with `status:
        "rejected"` and a `reject_reason`. The same `client_order_id` returns the same order
        (200); with another body it is a 409 `client-order-id-reused`. At most
        CONTEST_ORDERS_PER_MINUTE orders a minute per entry (429 with Retry-After)."""
        now = clock.now()
        placed = await place_order(
            db,
            contest_id=contest_id,
            user_id=caller.user_id,
            request=order_request(data),
            now=now,
            per_minute=settings.contest_orders_per_minute,
            calendar=market_calendar(),
            engagement=reporting_of(caller, settings, now).params(),
        )
        return TimestampedResponse(
            order_out(placed.order), status_code=200 if placed.replayed else 201
        )

    @get(
        "/{contest_id:uuid}/orders",
        operation_id="listOrders",
        summary="The caller's orders in the contest, newest first",
        responses=problem_responses(400, 401, 404, 422),
        opt=AUTOCOMMIT,
    )
    async def orders(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        contest_id: FromPath[uuid.UUID],
        status: OrderStatusFilter = None,
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> OrderPage:
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        after = (page.after[0], page.after[1]) if page.after else None
        rows = await list_orders(
            db,
            contest_id=contest_id,
            user_id=caller.user_id,
            status=status,
            limit=limit + 1,
            after=after,
        )
        items, next_cursor = make_page(rows, limit, lambda row: (row.created_at, row.id))
        return OrderPage(items=[order_out(order) for order in items], next_cursor=next_cursor)

    @delete(
        "/{contest_id:uuid}/orders/{order_id:uuid}",
        operation_id="cancelOrder",
        summary="Cancel an open order",
        status_code=200,
        responses=problem_responses(400, 401, 404, 409),
    )
    async def cancel(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        contest_id: FromPath[uuid.UUID],
        order_id: FromPath[uuid.UUID],
    ) -> OrderOut:
        """409 `order-not-open` once the order filled, expired or was cancelled."""
        order = await cancel_order(
            db, contest_id=contest_id, user_id=caller.user_id, order_id=order_id, now=clock.now()
        )
        return order_out(order)

    @get(
        "/{contest_id:uuid}/portfolio",
        operation_id="getPortfolio",
        summary="The caller's cash, positions, equity, return and fees in the contest",
        responses={
            200: ResponseSpec(
                data_container=PortfolioOut,
                description="Request fulfilled, document follows",
                generate_examples=False,
            ),
            **problem_responses(400, 401, 404),
        },
        opt=DRIVER_ONLY,
    )
    async def portfolio(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        contest_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """One statement sent straight to the driver (`read_portfolio`) on the route's own
        pooled connection (driver-only, as authentication's caller read), the body encoded
        once. It takes the request's session without the `db` dependency (a driver-only read
        has nothing to commit) and the app's clock without the `clock` dependency, whose value
        Litestar checks against the `Clock` protocol on every request: both were costs of their
        own on a read every player's app polls."""
        clock: Clock = request.app.state.clock
        portfolio = await read_portfolio(
            request_session(request.scope),
            contest_id=contest_id,
            user_id=caller.user_id,
            now=clock.now(),
            calendar=market_calendar(),
        )
        return Response(portfolio_body(portfolio), media_type=MediaType.JSON)
