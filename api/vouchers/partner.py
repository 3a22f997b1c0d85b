"""The broker's voucher routes (X-Partner-Key): look a code up, and consume it for a trade.

Every call is audited, refusals included (an unknown code may be someone guessing), so a
refusal is raised as a `CommittedRefusal`: the audit entry commits with it.
"""

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import PartnerCaller
from api.accounts.partners import owner_reference
from api.audit import audit_request
from api.business_metrics import PARTNER_CONSUMES, count_on_commit
from api.openapi import problem_responses
from api.timestamps import TimestampedResponse
from api.vouchers.schemas import ConsumeIn, ConsumeOut, PartnerVoucherOut
from core.clock import Clock
from core.errors import CommittedRefusal, DomainError
from gamification.vouchers.errors import VoucherNotFound
from gamification.vouchers.lifecycle import consume_voucher, status_at, voucher_by_code
from gamification.vouchers.models import Voucher

MAX_CODE_IN_AUDIT = 32


class PartnerVoucherController(Controller):
    path = "/v1/partner/vouchers"
    tags = ("partner",)

    @get(
        "/{code:str}",
        operation_id="lookUpVoucher",
        summary="Look a voucher up by its code",
        responses={
            200: ResponseSpec(data_container=PartnerVoucherOut, description="The voucher"),
            **problem_responses(400, 401, 404),
        },
    )
    async def lookup(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        partner: NamedDependency[PartnerCaller],
        code: FromPath[str],
    ) -> Response[Any]:
        try:
            voucher = await voucher_by_code(db, code)
        except VoucherNotFound as exc:
            await _audit(db, request, partner, "voucher.lookup", code, {"found": False})
            raise CommittedRefusal(exc) from exc
        await _audit(db, request, partner, "voucher.lookup", voucher.code, {"found": True})
        return TimestampedResponse(_partner_view(voucher, partner, clock))

    @post(
        "/{code:str}/consume",
        operation_id="consumeVoucher",
        summary="Consume a voucher for the broker's trade or subscription `reference`",
        status_code=200,
        responses={
            200: ResponseSpec(
                data_container=ConsumeOut,
                description="Consumed (or already, by this same reference)",
            ),
            **problem_responses(400, 401, 404, 409, 422),
        },
    )
    async def consume(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        partner: NamedDependency[PartnerCaller],
        code: FromPath[str],
        data: JSONBody[ConsumeIn],
    ) -> Response[Any]:
        """The same reference again answers 200 and changes nothing; another reference on a
        consumed voucher is 409 `already-consumed`; expired or revoked is 409; unknown 404."""
        summary: dict[str, Any] = {"reference": data.reference}
        try:
            consumed = await consume_voucher(
                db, code, reference=data.reference, partner_id=partner.partner_id, now=clock.now()
            )
        except DomainError as exc:
            count_on_commit(db, PARTNER_CONSUMES.labels("refused"))
            await _audit(
                db,
                request,
                partner,
                "voucher.consume",
                code,
                summary | {"refused": exc.code},
            )
            raise CommittedRefusal(exc) from exc
        voucher = consumed.voucher
        count_on_commit(
            db, PARTNER_CONSUMES.labels("consumed" if consumed.first_time else "repeated")
        )
        summary |= {"repeated": not consumed.first_time, "user_id": str(voucher.user_id)}
        await _audit(db, request, partner, "voucher.consume", voucher.code, summary)
        assert voucher.consumed_at is not None
        return TimestampedResponse(
            ConsumeOut(voucher.code, voucher.status, data.reference, voucher.consumed_at)
        )


def _partner_view(voucher: Voucher, partner: PartnerCaller, clock: Clock) -> PartnerVoucherOut:
    return PartnerVoucherOut(
        code=voucher.code,
        owner_reference=owner_reference(partner.owner_secret, voucher.user_id),
        kind=voucher.kind,
        title=voucher.title,
        terms=voucher.terms,
        status=status_at(voucher, clock.now()),
        issued_at=voucher.issued_at,
        expires_at=voucher.expires_at,
        consumed_at=voucher.consumed_at,
        consumed_reference=voucher.consumed_reference,
    )


async def _audit(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    partner: PartnerCaller,
    action: str,
    code: str,
    summary: dict[str, Any],
) -> None:
    await audit_request(
        db,
        request,
        partner,
        action=action,
        object_type="voucher",
        object_id=code[:MAX_CODE_IN_AUDIT],
        summary=summary | {"partner": partner.name},
    )
