"""Admin corrections of the ledger: reversals of a posted transaction (once), with a reason,
audited. Adjustments are in `api/rewards/adjustments.py`."""

import uuid
from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.audit import audit_request
from api.openapi import problem_responses
from api.problems import ProblemError
from api.rewards.schemas import ReversalIn, ReversalOut
from api.settings import Settings
from core.clock import Clock
from gamification.ledger.operations import reverse


class LedgerAdminController(Controller):
    path = "/v1/admin/ledger"
    tags = ("admin",)
    guards = [requires_role(Role.ADMIN)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post(
        "/transactions/{transaction_id:uuid}/reversal",
        operation_id="reverseTransaction",
        status_code=201,
        summary="Correct a ledger transaction by posting its opposite (once)",
        description="Ledger history is never edited: a correction is a new transaction. Points "
        "taken back come from the soonest-expiring lots (409 `insufficient-points` if spent); "
        "a second reversal is 409 `already-reversed`; expiries are final (409 `not-reversible`).",
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def reverse_transaction(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        transaction_id: FromPath[uuid.UUID],
        data: JSONBody[ReversalIn],
    ) -> ReversalOut:
        note = data.reason.strip()
        if not note:
            raise ProblemError(
                422,
                "validation-error",
                message="reason-required",
                errors=[{"field": "reason", "message": "blank"}],
            )
        reason = {"code": "reversal", "note": note, "by": str(caller.user_id)}
        posted = await reverse(
            db, transaction_id, reason=reason, now=clock.now(), lot_days=settings.points_expiry_days
        )
        assert posted.transaction_id is not None  # reverse() posts or raises
        await audit_request(
            db,
            request,
            caller,
            action="ledger.reverse",
            object_type="ledger_transaction",
            object_id=str(transaction_id),
            summary={"reversal_id": str(posted.transaction_id), "reason": note},
        )
        return ReversalOut(posted.transaction_id, transaction_id, posted.balances)
