"""The outcomes measures in the console (roles marketer and admin): every measure's table over a
date range, as the API answers it (`gamification.outcomes.measures`), with a retention heat
table, the funnel's bars and NPS over time. The range form updates the results in place (htmx);
a bad day is shown next to its field with the API's message."""

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Role
from api.console.charts import Bars, bar_chart
from api.console.forms import FormProblem, domain_problem
from api.console.outcome_charts import heat_class, signed_line_chart
from api.console.pages import render
from api.console.session import Staff, require
from api.console.texts import Texts, texts_for
from api.settings import Settings
from core.clock import Clock
from gamification.outcomes.measures import MEASURES, rolled_up_until
from gamification.outcomes.measures_errors import InvalidRange
from gamification.outcomes.measures_range import parse_range
from gamification.outcomes.measures_table import MeasureContext, MeasureTable

Day = Annotated[str, QueryParameter(max_length=32)]
# Measures whose first column is a word to translate (a step, a group), by its texts prefix.
LABELLED_ROWS = {"funnel": "col_", "learning-effect": "group_"}


@dataclass(frozen=True)
class MeasureView:
    name: str
    title: str
    definition: str
    columns: list[str]
    rows: list[list[Any]]
    chart: Markup | None


def _chart(name: str, table: MeasureTable, t: Texts) -> Markup | None:
    if name == "funnel":
        rows = [Bars(t("col_" + row[0]), [float(row[1])]) for row in table.rows]
        return bar_chart(t("funnel_chart"), rows, [t("col_users")])
    if name == "nps":
        labels = [row[0] for row in table.rows]
        return signed_line_chart(
            t("nps_chart"), labels, [row[-1] for row in table.rows], low=-100, high=100
        )
    return None


def _view(name: str, table: MeasureTable, t: Texts, locale: str) -> MeasureView:
    measure = MEASURES[name]
    rows = table.rows
    if name in LABELLED_ROWS:
        rows = [[t(LABELLED_ROWS[name] + row[0]), *row[1:]] for row in rows]
    return MeasureView(
        name=name,
        title=t("measure_" + name.replace("-", "_")),
        definition=measure.definition.get(locale, measure.definition["en"]),
        columns=[t("col_" + column) for column in table.columns],
        rows=rows,
        chart=_chart(name, table, t),
    )


class OutcomesPageController(Controller):
    path = "/outcomes"
    include_in_schema = False

    @get("/")
    async def outcomes(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
        from_: Annotated[str, QueryParameter(name="from", max_length=32)] = "",
        to: Day = "",
    ) -> Template:
        require(staff, Role.MARKETER)
        t = texts_for(staff.locale)
        today = clock.now().astimezone(settings.timezone).date()
        problem: FormProblem | None = None
        views: list[MeasureView] = []
        try:
            rng = parse_range(from_.strip(), to.strip(), today=today)
        except InvalidRange as error:
            problem = domain_problem(error, staff.locale)
        else:
            ctx = MeasureContext(zone=settings.timezone, today=today)
            for name, measure in MEASURES.items():
                table = await measure.compute(db, rng, ctx)
                views.append(_view(name, table, t, staff.locale))
            from_, to = rng.first.isoformat(), rng.last.isoformat()
        return render(
            request,
            "outcomes.html.j2",
            staff=staff,
            status=422 if problem else 200,
            values={"from": from_, "to": to},
            problem=problem,
            measures=views,
            as_of=await rolled_up_until(db),
            heat_class=heat_class,
        )
