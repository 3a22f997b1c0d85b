"""Marketers define contests and edit them before they start; every change is audited."""

import uuid
from decimal import Decimal
from typing import Any

from litestar import Controller, Request, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.audit import audit_request
from api.contests.contest_schemas import (
    ContestCreate,
    ContestOut,
    ContestPatch,
    MinActivityIn,
    PrizeIn,
    RulesIn,
    TitleIn,
    UniverseIn,
)
from api.contests.contest_shaping import contest_out, decimal_problem, invalid
from api.openapi import problem_responses
from core.clock import Clock
from gamification.contests.definitions import ContestDraft, create_contest, update_contest
from gamification.contests.errors import InvalidContest
from gamification.contests.models import Contest

D = Decimal
# field: (decimal places, lowest, highest, lowest allowed itself)
_DECIMAL_FIELDS: dict[str, tuple[int, Decimal, Decimal, bool]] = {
    "starting_cash": (2, D(0), D(1_000_000_000), False),
    "commission_rate": (6, D(0), D("0.003"), True),  # a broker may charge at most 0.3%
    "commission_min": (2, D(0), D(100), True),
    "stamp_duty_rate": (6, D(0), D("0.01"), True),
    "transfer_fee_rate": (6, D(0), D("0.001"), True),
    "min_price": (3, D(0), D(100_000), False),
    "concentration_cap_pct": (2, D(1), D(100), True),
}


def _field_path(name: str) -> str:
    return name if name == "starting_cash" else f"rules.{name}"


def _check_decimals(values: dict[str, Any]) -> None:
    errors = []
    for name, (places, low, high, low_inclusive) in _DECIMAL_FIELDS.items():
        value = values.get(name)
        if isinstance(value, Decimal):
            problem = decimal_problem(
                value, places=places, low=low, high=high, low_inclusive=low_inclusive
            )
            if problem is not None:
                errors.append((_field_path(name), problem))
    if errors:
        raise invalid(errors)


def _title(title: TitleIn) -> dict[str, Any]:
    return {"title_zh": title.zh_cn, "title_en": title.en}


def _universe(universe: UniverseIn | None) -> dict[str, Any]:
    universe = universe or UniverseIn()
    return {"universe_symbols": list(universe.symbols), "universe_boards": list(universe.boards)}


def _rules(rules: RulesIn) -> dict[str, Any]:
    return {
        name: getattr(rules, name)
        for name in RulesIn.__struct_fields__
        if getattr(rules, name) is not UNSET
    }


def _min_activity(activity: MinActivityIn | None) -> dict[str, Any]:
    activity = activity or MinActivityIn()
    return {"min_round_trips": activity.round_trips, "min_trading_days": activity.trading_days}


def _prizes(prizes: list[PrizeIn]) -> dict[str, Any]:
    return {
        "prizes": [
            {"rank_from": p.rank_from, "rank_to": p.rank_to, "points": p.points} for p in prizes
        ]
    }


_SHAPERS: dict[str, Any] = {
    "title": _title,
    "universe": _universe,
    "rules": _rules,
    "min_activity": _min_activity,
    "prizes": _prizes,
}


def draft_changes(data: ContestCreate | ContestPatch) -> dict[str, Any]:
    """The request's fields as contest columns (only those sent, for a patch)."""
    changes: dict[str, Any] = {}
    for name in type(data).__struct_fields__:
        value = getattr(data, name)
        if value is UNSET:
            continue
        shaper = _SHAPERS.get(name)
        if shaper is None:
            changes[name] = value
        elif value is not None:
            changes.update(shaper(value))
    _check_decimals(changes)
    return changes


class ContestAdminController(Controller):
    path = "/v1/admin/contests"
    tags = ("marketing",)
    guards = [requires_role(Role.MARKETER)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post(
        "/",
        operation_id="createContest",
        summary="Define a paper-trading contest",
        status_code=201,
        responses=problem_responses(400, 401, 403, 422),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        data: JSONBody[ContestCreate],
    ) -> ContestOut:
        """`starts_at` may be in the past (the contest runs at once); `ends_at` and
        `registration_ends_at` (default: `ends_at`) must be in the future. 422 names each
        invalid field."""
        now = clock.now()
        try:
            contest = await create_contest(
                db, ContestDraft(**draft_changes(data)), created_by=caller.user_id, now=now
            )
        except InvalidContest as exc:
            raise invalid(list(exc.errors or ())) from exc
        out = contest_out(contest, joined=False, locale=caller.locale, now=now)
        await _audit(db, request, caller, "contest.create", contest, {"title": out.title})
        return out

    @patch(
        "/{contest_id:uuid}",
        operation_id="editContest",
        summary="Edit a contest before it starts",
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        contest_id: FromPath[uuid.UUID],
        data: JSONBody[ContestPatch],
    ) -> ContestOut:
        """409 `contest-started` once the contest has started: its rules are then fixed."""
        now = clock.now()
        try:
            contest, diff = await update_contest(db, contest_id, draft_changes(data), now=now)
        except InvalidContest as exc:
            raise invalid(list(exc.errors or ())) from exc
        if diff:
            summary = {name: {"before": str(b), "after": str(a)} for name, (b, a) in diff.items()}
            await _audit(db, request, caller, "contest.update", contest, summary)
        return contest_out(contest, joined=False, locale=caller.locale, now=now)


async def _audit(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    caller: Caller,
    action: str,
    contest: Contest,
    summary: dict[str, Any],
) -> None:
    await audit_request(
        db,
        request,
        caller,
        action=action,
        object_type="contest",
        object_id=str(contest.id),
        summary=summary,
    )
