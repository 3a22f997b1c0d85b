"""The caller's wallet and points history."""

from litestar import Controller, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.autocommit_routes import DRIVER_ONLY
from api.openapi import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, make_page, page_request
from api.rewards.reasons import reason_text, reason_titles
from api.rewards.schemas import LedgerItemOut, LedgerPage, WalletOut
from api.rewards.wallets import caller_wallet
from api.settings import Settings
from core.clock import Clock
from gamification.ledger.models import Currency
from gamification.ledger.queries import history


class WalletController(Controller):
    path = "/v1/me"
    tags = ("rewards",)

    @get(
        "/wallet",
        operation_id="getWallet",
        summary="Points, XP, level, streak and the points expiring soon",
        responses=problem_responses(401),
        opt=DRIVER_ONLY,
    )
    async def wallet(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
    ) -> WalletOut:
        return await caller_wallet(db, caller, settings, clock.now())

    @get(
        "/ledger",
        operation_id="listMyLedger",
        summary="The caller's points history, newest first, with the balance after each entry",
        responses=problem_responses(400, 401, 422),
    )
    async def ledger(
        self,
        locale: NamedDependency[str],
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
        rows, next_cursor = make_page(entries, limit, lambda entry: (entry.seq,))
        titles = await reason_titles(db, (entry.reason for entry in rows), locale=locale)
        items = [
            LedgerItemOut(
                id=entry.id,
                amount=entry.amount,
                balance_after=entry.balance_after or 0,
                kind=entry.kind,
                reason=reason_text(entry.reason, kind=entry.kind, locale=locale, titles=titles),
                created_at=entry.created_at,
            )
            for entry in rows
        ]
        return LedgerPage(items=items, next_cursor=next_cursor)
