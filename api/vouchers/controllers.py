"""Learners' voucher routes: the catalogue, redeeming points, and their own vouchers."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

import core.messages as messages
from api.accounts.caller import Caller
from api.autocommit_routes import DRIVER_ONLY
from api.business_metrics import POINTS_SPENT, REDEMPTIONS, count_on_commit
from api.engagement.events import reporting_of
from api.idempotency import IdempotencyKeyHeader, key_claim, run_claimed
from api.openapi import CourseRef, problem_responses
from api.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    make_page,
    page_request,
)
from api.rewards.wallets import caller_today
from api.settings import Settings
from api.vouchers.schemas import (
    ProductOut,
    ProductPage,
    RedemptionIn,
    RedemptionOut,
    VoucherOut,
    VoucherPage,
)
from api.vouchers.shaping import (
    localised_title,
    redeemer_of,
    redemption_answer,
    redemption_context,
    voucher_out,
)
from core.clock import Clock
from courses.titles import Titles, course_titles
from gamification.vouchers.eligibility import Ineligible
from gamification.vouchers.lifecycle import user_voucher, user_vouchers
from gamification.vouchers.products import ProductOnSale, products_on_sale
from gamification.vouchers.redemption import redeem_voucher
from gamification.vouchers.wording import localised_terms, terms_text

StatusFilter = Annotated[
    Literal["issued", "consumed", "expired", "revoked"] | None,
    QueryParameter(name="status", description="Only vouchers with this status."),
]


def product_out(
    product: ProductOnSale, problem: Ineligible | None, locale: str, titles: Titles
) -> ProductOut:
    course = product.required_course_slug
    return ProductOut(
        id=product.id,
        kind=product.kind,
        title=localised_title(product.title, product.title_en, locale),
        terms=localised_terms(product.terms, locale),
        terms_text=terms_text(product.terms, locale=locale, validity_days=product.validity_days),
        points_price=product.points_price,
        remaining_stock=product.remaining_stock,
        per_user_limit=product.per_user_limit,
        validity_days=product.validity_days,
        product_risk_level=product.product_risk_level,
        lifecycle_stages=list(product.lifecycle_stages),
        required_course_slug=course,
        required_course=CourseRef(course, titles.course(course)) if course else None,
        sale_ends_at=product.sale_ends_at,
        eligible=problem is None,
        ineligible_reason=problem.reason if problem else None,
        ineligible_message=(
            messages.detail(problem.message, locale, problem.params) if problem else None
        ),
    )


class VoucherController(Controller):
    path = "/v1"
    tags = ("vouchers",)

    @get(
        "/vouchers/products",
        operation_id="listVoucherProducts",
        summary="Vouchers on sale, cheapest first, with whether the caller may redeem each",
        responses=problem_responses(400, 401, 422),
        opt=DRIVER_ONLY,
    )
    async def products(
        self,
        locale: NamedDependency[str],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> ProductPage:
        now = clock.now()
        page = page_request(limit, cursor, (int, uuid.UUID))
        after = (page.after[0], page.after[1]) if page.after else None
        rows = await products_on_sale(
            db, redeemer_of(db, caller, now, locale), now=now, limit=limit + 1, after=after
        )
        items, next_cursor = make_page(rows, limit, lambda row: (row[0].points_price, row[0].id))
        courses = [product.required_course_slug or "" for product, _ in items]
        titles = await course_titles(db, filter(None, courses), locale=locale)
        return ProductPage(
            items=[product_out(product, problem, locale, titles) for product, problem in items],
            next_cursor=next_cursor,
        )

    @post(
        "/vouchers/redemptions",
        operation_id="redeemVoucher",
        summary="Redeem points for a voucher (needs an Idempotency-Key)",
        status_code=201,
        responses={
            201: ResponseSpec(data_container=RedemptionOut, description="The voucher issued"),
            **problem_responses(400, 401, 404, 409, 422),
        },
        # One statement writes it all: no transaction around it, and every statement (the
        # session check's too) sent straight to the driver.
        opt=DRIVER_ONLY,
    )
    async def redeem(
        self,
        locale: NamedDependency[str],
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        caller: NamedDependency[Caller],
        data: JSONBody[RedemptionIn],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[Any]:
        """409 problems: `insufficient-points`, `out-of-stock`, `limit-reached`, `not-eligible`
        (its `reason` member says why, as `ineligible_reason` does in the catalogue; a missing
        course is `required_course: {slug, title}`). The same key and body replay the first
        answer."""
        now = clock.now()
        claim = key_claim(request, caller=f"user:{caller.user_id}", key=idempotency_key, body=data)

        async def effect() -> str:
            redemption = await redeem_voucher(
                db,
                product_id=data.product_id,
                redeemer=redeemer_of(db, caller, now, locale),
                engagement=reporting_of(caller, settings, now).params(),
                key=claim.params(),
                context=redemption_context(locale, caller_today(caller, settings, now)),
                now=now,
            )
            count_on_commit(db, REDEMPTIONS.labels(redemption.kind))
            count_on_commit(db, POINTS_SPENT, redemption.points_price)
            return redemption.answer

        return await run_claimed(
            db, request, clock, claim, effect=effect, render=redemption_answer, status_code=201
        )

    @get(
        "/me/vouchers",
        operation_id="listMyVouchers",
        summary="The caller's vouchers, newest first",
        responses=problem_responses(400, 401, 422),
    )
    async def my_vouchers(
        self,
        locale: NamedDependency[str],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        status: StatusFilter = None,
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> VoucherPage:
        now = clock.now()
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        after = (page.after[0], page.after[1]) if page.after else None
        rows = await user_vouchers(
            db, caller.user_id, now=now, status=status, limit=limit + 1, after=after
        )
        items, next_cursor = make_page(rows, limit, lambda row: (row.issued_at, row.id))
        return VoucherPage(
            items=[voucher_out(voucher, now=now, locale=locale) for voucher in items],
            next_cursor=next_cursor,
        )

    @get(
        "/me/vouchers/{voucher_id:uuid}",
        operation_id="getMyVoucher",
        summary="One of the caller's vouchers",
        responses=problem_responses(400, 401, 404),
    )
    async def my_voucher(
        self,
        locale: NamedDependency[str],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        voucher_id: FromPath[uuid.UUID],
    ) -> VoucherOut:
        """404 for a voucher that is not the caller's, exactly as for one that does not exist."""
        voucher = await user_voucher(db, caller.user_id, voucher_id)
        return voucher_out(voucher, now=clock.now(), locale=locale)
