"""The caller's wallet and points history."""

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.autocommit_routes import AUTOCOMMIT
from api.locale import content_locale
from api.openapi import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, encode_cursor, page_request
from api.rewards.awards import reward_policy, wallet_out
from api.rewards.reasons import reason_text
from api.rewards.schemas import LedgerItemOut, LedgerPage, WalletOut
from api.settings import Settings
from core.clock import Clock
from gamification.ledger.models import Currency
from gamification.ledger.queries import history
from gamification.rewards.service import wallet


class WalletController(Controller):
    path = "/v1/me"
    tags = ("rewards",)

    @get(
        "/wallet",
        operation_id="getWallet",
        summary="Points, XP, level, streak and the points expiring soon",
        responses=problem_responses(401),
        opt=AUTOCOMMIT,
    )
    async def wallet(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
    ) -> WalletOut:
        held = await wallet(
            db,
            user_id=caller.user_id,
            timezone=caller.timezone,
            now=clock.now(),
            policy=reward_policy(settings),
        )
        return wallet_out(held)

    @get(
        "/ledger",
        operation_id="listMyLedger",
        summary="The caller's points history, newest first, with the balance after each entry",
        responses=problem_responses(400, 401, 422),
    )
    async def ledger(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> LedgerPage:
        """Reasons are sentences in the `Accept-Language` locale, else the caller's."""
        page = page_request(limit, cursor, (int,))
        entries = await history(
            db,
            caller.user_id,
            currency=Currency.POINTS,
            before_seq=page.after[0] if page.after else None,
            limit=limit + 1,
        )
        locale = content_locale(request, caller.locale)
        items = [
            LedgerItemOut(
                id=entry.id,
                amount=entry.amount,
                balance_after=entry.balance_after or 0,
                kind=entry.kind,
                reason=reason_text(entry.reason, kind=entry.kind, locale=locale),
                created_at=entry.created_at,
            )
            for entry in entries[:limit]
        ]
        more = len(entries) > limit
        return LedgerPage(
            items=items, next_cursor=encode_cursor([entries[limit - 1].seq]) if more else None
        )
