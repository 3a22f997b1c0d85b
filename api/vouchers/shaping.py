"""What the voucher routes share: the learner's eligibility facts and output shapes."""

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, lifecycle_stage
from api.vouchers.schemas import AdminProductOut, VoucherOut
from courses.catalogue import completed_course_slugs
from courses.titles import Titles, course_titles
from gamification.vouchers.lifecycle import status_at
from gamification.vouchers.models import Voucher, VoucherProduct
from gamification.vouchers.products import Redeemer
from gamification.vouchers.wording import localised_terms, terms_text


def redeemer_of(db: AsyncSession, caller: Caller, now: datetime, locale: str) -> Redeemer:
    """The caller's eligibility facts. Completed courses come from the learning domain, asked
    at most once per request and only if a product needs one (and a course's title, in
    `locale`, only when it is missing): `gamification` stays unaware of `courses`, which owns
    the completions and the titles."""
    completed: set[str] | None = None
    titles = Titles()

    async def completed_course(slug: str) -> bool:
        nonlocal completed
        if completed is None:
            completed = await completed_course_slugs(db, caller.user_id)
        return slug in completed

    async def course_title(slug: str) -> str:
        if slug not in titles.courses:
            titles.courses.update((await course_titles(db, [slug], locale=locale)).courses)
        return titles.course(slug)

    return Redeemer(
        user_id=caller.user_id,
        risk_profile=caller.risk_profile,
        lifecycle_stage=lifecycle_stage(caller.created_at, now),
        completed_course=completed_course,
        course_title=course_title,
    )


def localised_title(title: str, title_en: str | None, locale: str) -> str:
    return title_en if locale == "en" and title_en else title


def voucher_out(voucher: Voucher, *, now: datetime, locale: str) -> VoucherOut:
    return VoucherOut(
        id=voucher.id,
        code=voucher.code,
        kind=voucher.kind,
        title=localised_title(voucher.title, voucher.title_en, locale),
        terms=localised_terms(voucher.terms, locale),
        terms_text=terms_text(voucher.terms, locale=locale),
        status=status_at(voucher, now),
        points_price=voucher.points_price,
        issued_at=voucher.issued_at,
        expires_at=voucher.expires_at,
        consumed_at=voucher.consumed_at,
        revoked_at=voucher.revoked_at,
    )


def admin_product_out(product: VoucherProduct) -> AdminProductOut:
    return AdminProductOut(
        **product.model_dump(), issued=product.total_stock - product.remaining_stock
    )


def jsonable(value: Any) -> Any:
    """Audit summaries are JSONB: datetimes and UUIDs as their text."""
    return msgspec.to_builtins(value)
