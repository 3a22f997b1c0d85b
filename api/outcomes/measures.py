"""Staff read the outcomes measures (admin and marketer roles): one table per measure over a
date range, as of the last rollup."""

from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Role
from api.accounts.guards import requires_role
from api.openapi import problem_responses
from api.settings import Settings
from core.clock import Clock
from gamification.outcomes.measures import find_measure, rolled_up_until
from gamification.outcomes.measures_range import parse_range
from gamification.outcomes.measures_table import MeasureContext

Cell = str | int | float | None
FromParam = Annotated[
    str | None,
    QueryParameter(name="from", max_length=32, description="The first day, YYYY-MM-DD."),
]
ToParam = Annotated[
    str | None, QueryParameter(name="to", max_length=32, description="The last day, YYYY-MM-DD.")
]


class MeasureOut(msgspec.Struct, rename={"from_": "from"}):
    measure: str
    from_: date
    to: date
    as_of: datetime | None  # the rollup's watermark; null before the first rollup
    columns: list[str]
    rows: list[list[Cell]]
    definition: str


class OutcomeMeasureController(Controller):
    path = "/v1/admin/outcomes"
    tags = ("outcomes",)
    guards = [requires_role(Role.MARKETER)]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get(
        "/{measure:str}",
        operation_id="getOutcomeMeasure",
        summary="One outcomes measure's table over a date range",
        responses=problem_responses(400, 401, 403, 404, 422),
    )
    async def measure(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        locale: NamedDependency[str],
        measure: FromPath[str],
        from_: FromParam = None,
        to: ToParam = None,
    ) -> MeasureOut:
        """`measure`: retention, interactions, tool-usage, cross-sell, complaints, nps, funnel
        or learning-effect (definitions in README and in each answer). `from` and `to` are
        days, both included (default: the twelve months up to today); monthly measures have a
        row for every month the range touches. 404 names an unknown measure; 422 names `from`
        or `to` when it is not a date, when `from` is after `to`, or the range is over 36
        months."""
        found = find_measure(measure)
        today = clock.now().astimezone(settings.timezone).date()
        rng = parse_range(from_, to, today=today)
        table = await found.compute(db, rng, MeasureContext(zone=settings.timezone, today=today))
        return MeasureOut(
            measure=found.name,
            from_=rng.first,
            to=rng.last,
            as_of=await rolled_up_until(db),
            columns=table.columns,
            rows=table.rows,
            definition=found.definition.get(locale, found.definition["en"]),
        )
