"""Contests in the console (role marketer): create one with the rule pack form, and follow
each contest's standings and finalisation. The form is read into the API's `ContestCreate`
and goes through the same checks, service and audit entry as `api/contests/contest_admin.py`."""

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

import core.messages as messages
from api.accounts.caller import Role
from api.audit import audit_request
from api.console.forms import (
    FormProblem,
    checked,
    domain_problem,
    form_values,
    status_of,
    text,
    whole_number,
)
from api.console.pages import render
from api.console.session import CONSOLE_PATH, Staff, require
from api.contests.contest_admin import draft_changes
from api.contests.contest_schemas import ContestCreate
from api.problems import ProblemError
from core.clock import Clock
from core.errors import DomainError
from gamification.contests.definitions import (
    ContestDraft,
    create_contest,
    get_contest,
    list_contests,
)
from gamification.contests.definitions import (
    status_of as contest_status,
)
from gamification.contests.leaderboard import staff_standings

LISTED_CONTESTS = 100
STANDINGS_SHOWN = 100
_RULE_FIGURES = (
    "commission_rate",
    "commission_min",
    "stamp_duty_rate",
    "transfer_fee_rate",
    "min_price",
    "concentration_cap_pct",
)
_CHOICES = {"": None, "true": True, "false": False}
PRIZE_ROWS = 3
_PRIZE_FIELDS = ("rank_from", "rank_to", "points")


def _prizes(form: FormMultiDict) -> list[dict[str, Any]]:
    """The prize rows up to the last one filled in (a blank row before it is a problem)."""
    rows = [
        {name: whole_number(form, f"prizes[{i}].{name}") for name in _PRIZE_FIELDS}
        for i in range(PRIZE_ROWS)
    ]
    while rows and all(value is None for value in rows[-1].values()):
        rows.pop()
    return [{name: value for name, value in row.items() if value is not None} for row in rows]


def _document(form: FormMultiDict) -> dict[str, Any]:
    """The form as the API's JSON body; blank fields are left out (their defaults apply)."""
    rules: dict[str, Any] = {name: text(form, f"rules.{name}") for name in _RULE_FIGURES}
    rules["t_plus_one"] = _CHOICES.get(text(form, "rules.t_plus_one") or "", "?")
    symbols = [s.strip() for s in (text(form, "universe.symbols") or "").split(",") if s.strip()]
    document: dict[str, Any] = {
        "title": {"zh-CN": text(form, "title.zh-CN") or "", "en": text(form, "title.en") or ""},
        "starts_at": text(form, "starts_at"),
        "ends_at": text(form, "ends_at"),
        "registration_ends_at": text(form, "registration_ends_at"),
        "market_hours": text(form, "market_hours"),
        "late_entry": form.get("late_entry") == "true",
        "starting_cash": text(form, "starting_cash"),
        "ranking": text(form, "ranking"),
        "max_entrants": whole_number(form, "max_entrants"),
        "universe": {"symbols": symbols},
        "min_activity": {
            name: value
            for name in ("round_trips", "trading_days")
            if (value := whole_number(form, f"min_activity.{name}")) is not None
        },
        "prizes": _prizes(form),
        "rules": {name: value for name, value in rules.items() if value is not None},
    }
    return {name: value for name, value in document.items() if value is not None}


def _problem_of(error: ProblemError, locale: str) -> FormProblem:
    return FormProblem(
        title=messages.title(error.code, locale),
        detail=error.detail_in(locale),
        errors=list(error.errors or []),
    )


class ContestsPageController(Controller):
    path = "/contests"
    include_in_schema = False

    async def _list_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        clock: Clock,
        staff: Staff,
        *,
        status: int = 200,
        values: dict[str, Any] | None = None,
        problem: FormProblem | None = None,
    ) -> Template:
        now = clock.now()
        rows = await list_contests(
            db,
            user_id=staff.caller.user_id,
            status=None,
            now=now,
            limit=LISTED_CONTESTS,
            after=None,
        )
        contests = [(contest, contest_status(contest, now)) for contest, _ in rows]
        return render(
            request,
            "contests.html.j2",
            staff=staff,
            status=status,
            contests=contests,
            values=values
            or {"market_hours": "exchange", "ranking": "return", "late_entry": "true"},
            problem=problem,
            prize_rows=range(PRIZE_ROWS),
        )

    @get("/")
    async def contests(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        staff: NamedDependency[Staff],
    ) -> Template:
        require(staff, Role.MARKETER)
        return await self._list_page(request, db, clock, staff)

    @post("/", status_code=303)
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        staff: NamedDependency[Staff],
    ) -> Template | Redirect:
        require(staff, Role.MARKETER)
        form = await request.form()
        data, problem = checked(_document(form), ContestCreate, staff.locale)
        status = 422
        if data is not None:
            try:
                async with db.begin_nested():
                    contest = await create_contest(
                        db,
                        ContestDraft(**draft_changes(data)),
                        created_by=staff.caller.user_id,
                        now=clock.now(),
                    )
            except ProblemError as error:
                problem = _problem_of(error, staff.locale)
            except DomainError as error:
                problem, status = domain_problem(error, staff.locale), status_of(error)
        if problem is not None:
            return await self._list_page(
                request, db, clock, staff, status=status, values=form_values(form), problem=problem
            )
        await audit_request(
            db,
            request,
            staff.caller,
            action="contest.create",
            object_type="contest",
            object_id=str(contest.id),
            summary={"title": contest.title_zh},
        )
        return Redirect(f"{CONSOLE_PATH}/contests/{contest.id}", status_code=303)

    @get("/{contest_id:uuid}")
    async def contest(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        staff: NamedDependency[Staff],
        contest_id: FromPath[uuid.UUID],
    ) -> Template:
        require(staff, Role.MARKETER)
        contest = await get_contest(db, contest_id)
        standings = await staff_standings(db, contest_id, after_rank=0, limit=STANDINGS_SHOWN)
        return render(
            request,
            "contest.html.j2",
            staff=staff,
            contest=contest,
            contest_status=contest_status(contest, clock.now()),
            standings=standings,
        )
