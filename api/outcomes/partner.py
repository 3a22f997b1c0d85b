"""The broker's client-events route (X-Partner-Key): account opened, first trade, asset tier
changed, for the client it knows by its owner reference. Every call is audited, refusals
included, so a refusal is raised as a `CommittedRefusal`: the audit entry commits with it."""

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import PartnerCaller
from api.audit import audit_request
from api.openapi import problem_responses
from api.outcomes.schemas import ClientEventIn, ClientEventOut
from api.timestamps import TimestampedResponse
from core.clock import Clock
from core.errors import CommittedRefusal, DomainError
from gamification.outcomes.client_events import ClientEvent, record_client_event

MAX_REF_IN_AUDIT = 64


class PartnerClientController(Controller):
    path = "/v1/partner/clients"
    tags = ("partner",)

    @post(
        "/{owner_ref:str}/events",
        operation_id="reportClientEvent",
        summary="Report a fact about a client: account opened, first trade, asset tier changed",
        status_code=202,
        responses={
            202: ResponseSpec(
                data_container=ClientEventOut,
                description="Recorded (or already, by this same event id and body)",
            ),
            **problem_responses(400, 401, 404, 409, 422),
        },
    )
    async def report(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        partner: NamedDependency[PartnerCaller],
        owner_ref: FromPath[str],
        data: JSONBody[ClientEventIn],
    ) -> Response[Any]:
        """`owner_ref` is the client's owner reference as the voucher API shows it. The same
        `event_id` with the same body again answers 202 and changes nothing; with another body
        it is 409 `event-id-reused`. 404 for an unknown reference; 422 naming `tier` when an
        `asset_tier_changed` has none, or another type has one."""
        summary: dict[str, Any] = {"event_id": data.event_id, "type": data.type}
        try:
            recorded = await record_client_event(
                db,
                partner_id=partner.partner_id,
                owner_ref=owner_ref,
                event=ClientEvent(data.event_id, data.type, data.at, data.tier),
                now=clock.now(),
            )
        except DomainError as exc:
            await _audit(db, request, partner, owner_ref, summary | {"refused": exc.code})
            raise CommittedRefusal(exc) from exc
        # No user id: audit entries outlive erasure, and the owner reference (the object id)
        # must not stay linked to the learner through them.
        summary |= {"repeated": not recorded.first_time}
        await _audit(db, request, partner, owner_ref, summary)
        event = recorded.event
        out = ClientEventOut(event.event_id, data.type, event.at, event.tier, recorded.received_at)
        return TimestampedResponse(out, status_code=202)


async def _audit(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    partner: PartnerCaller,
    owner_ref: str,
    summary: dict[str, Any],
) -> None:
    await audit_request(
        db,
        request,
        partner,
        action="client.event",
        object_type="client",
        object_id=owner_ref[:MAX_REF_IN_AUDIT],
        summary=summary | {"partner": partner.name},
    )
