"""What the voucher routes share: the learner's eligibility facts and output shapes."""

import uuid
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, lifecycle_stage
from api.rewards.wallets import wallet_on
from api.timestamps import encode_body
from api.vouchers.schemas import AdminProductOut, RedemptionOut, VoucherOut
from courses.catalogue import completed_course_slugs
from courses.titles import Titles, course_titles
from gamification.vouchers.lifecycle import status_at
from gamification.vouchers.models import Voucher, VoucherProduct, VoucherStatus
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
    return _voucher_out(voucher, status_at(voucher, now), locale)


def _voucher_out(voucher: "Voucher | _StoredVoucher", status: str, locale: str) -> VoucherOut:
    return VoucherOut(
        id=voucher.id,
        code=voucher.code,
        kind=voucher.kind,
        title=localised_title(voucher.title, voucher.title_en, locale),
        terms=localised_terms(voucher.terms, locale),
        terms_text=terms_text(voucher.terms, locale=locale),
        status=status,
        points_price=voucher.points_price,
        issued_at=voucher.issued_at,
        expires_at=voucher.expires_at,
        consumed_at=voucher.consumed_at,
        revoked_at=voucher.revoked_at,
    )


class _StoredVoucher(msgspec.Struct):
    id: uuid.UUID
    code: str
    product_id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    title: str
    title_en: str | None
    terms: dict[str, Any]
    points_price: int
    issued_at: datetime
    expires_at: datetime
    debit_transaction_id: uuid.UUID
    consumed_at: None = None  # just issued
    revoked_at: None = None


class _StoredWallet(msgspec.Struct):
    """`ledger_balances`' columns and the streak row's as `streak_*` (None: no streak yet)."""

    points: int
    xp: int
    expiring_points: list[int]
    expiring_at: list[datetime]
    streak_current: int | None
    streak_longest: int | None
    streak_freezes: int | None
    streak_last_active_on: date | None
    streak_run_started_on: date | None


class _StoredRedemption(msgspec.Struct):
    """What `voucher_redeem_keyed` stores with the key: the `redemption_context`, the voucher
    as issued and the wallet after."""

    locale: str
    today: date
    voucher: _StoredVoucher
    wallet: _StoredWallet


def redemption_context(locale: str, today: date) -> dict[str, str]:
    """What a redemption's answer is shaped by besides the stored rows: the first request's
    locale and the caller's day (replays answer the same whatever they send)."""
    return {"locale": locale, "today": today.isoformat()}


def redemption_answer(stored: str) -> bytes:
    """The redemption's answer, from what was stored with its key (first time and replays)."""
    answer = msgspec.json.decode(stored, type=_StoredRedemption)
    # Issued, as it was at the answer's time: a product's validity is at least a day.
    out = RedemptionOut(
        voucher=_voucher_out(answer.voucher, VoucherStatus.ISSUED, answer.locale),
        wallet=wallet_on(answer.wallet, answer.today),
    )
    return encode_body(out)


def admin_product_out(product: VoucherProduct) -> AdminProductOut:
    return AdminProductOut(
        **product.model_dump(), issued=product.total_stock - product.remaining_stock
    )


def jsonable(value: Any) -> Any:
    """Audit summaries are JSONB: datetimes and UUIDs as their text."""
    return msgspec.to_builtins(value)
