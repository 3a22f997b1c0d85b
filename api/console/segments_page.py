"""The segment builder's answers (role marketer): the live count and sample of the filter being
built, the builder redrawn after a row or group is added or removed (or a row's field chosen:
its operators follow), and the segment saved. The filter comes from the rows
(`segment_builder.py`), or from the raw JSON box when that is filled in; it is checked and
counted by the same services as `/v1/admin/segments`, and its problems are the API's, shown
next to the row at fault."""

from typing import Annotated, Any

from litestar import Controller, Request, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Role
from api.audit import audit_request
from api.campaigns.schemas import SegmentIn
from api.campaigns.segments import segment_context
from api.console.campaigns_page import builder_context, campaigns_list
from api.console.forms import (
    FormProblem,
    attempt,
    checked,
    domain_problem,
    form_values,
    json_object,
    text,
)
from api.console.pages import is_htmx, render
from api.console.segment_builder import Compiled, compile_builder, edited, read_builder
from api.console.session import Staff, require
from api.console.texts import texts_for
from api.settings import Settings
from core.clock import Clock
from core.errors import DomainError
from gamification.campaigns.models import Segment
from gamification.campaigns.segments import (
    Member,
    checked_filter,
    create_segment,
    segment_count,
    segment_sample,
)

Edit = Annotated[str, QueryParameter(max_length=40)]


def filter_of(form: FormMultiDict) -> tuple[Any, Compiled | None]:
    """The raw JSON when it is filled in, else the builder's rows compiled."""
    raw = json_object(form, "filter")
    if raw is not None:
        return raw, None
    compiled = compile_builder(read_builder(form))
    return compiled.filter, compiled


def at_rows(problem: FormProblem | None, compiled: Compiled | None) -> FormProblem | None:
    """The problem with each field named by the builder row it came from (keeping the API's
    path to show)."""
    if problem is None or compiled is None:
        return problem
    errors = [
        {**error, "field": compiled.form_name(error["field"]), "path": error["field"]}
        for error in problem.errors
    ]
    return FormProblem(problem.title, problem.detail, errors)


class SegmentsPageController(Controller):
    path = "/campaigns/segments"
    include_in_schema = False

    @post("/count", status_code=200)
    async def count(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        staff: NamedDependency[Staff],
    ) -> Template:
        """The live count and sample of the filter being built (an htmx fragment), or its
        problems; writes nothing."""
        require(staff, Role.MARKETER)
        raw, _ = filter_of(await request.form())
        count: int | None = None
        sample: list[Member] = []
        problem: FormProblem | None = None
        try:
            tree = checked_filter(raw)
        except DomainError as error:
            problem = domain_problem(error, staff.locale)
        else:
            ctx = segment_context(clock, settings)
            count = await segment_count(db, tree, ctx)
            sample = await segment_sample(db, tree, ctx)
        return render(
            request,
            "segment_count.html.j2",
            staff=staff,
            count=count,
            sample=sample,
            filter=raw,
            problem=problem,
        )

    @post("/builder", status_code=200)
    async def builder(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        staff: NamedDependency[Staff],
        edit: Edit = "",
    ) -> Template:
        """The builder after `edit` (`add-group`, `add-row:{i}`, `remove-row:{i}:{j}`, or
        none: a field was chosen); the whole page without htmx."""
        require(staff, Role.MARKETER)
        form = await request.form()
        builder = edited(read_builder(form), edit)
        if not is_htmx(request):
            return await campaigns_list(
                request, db, staff, builder=builder, values=form_values(form)
            )
        context = await builder_context(db, builder)
        return render(request, "segment_builder.html.j2", staff=staff, **context)

    @post("/", status_code=200)
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        staff: NamedDependency[Staff],
    ) -> Template:
        require(staff, Role.MARKETER)
        form = await request.form()
        raw, compiled = filter_of(form)
        data, problem = checked(
            {"name": text(form, "name") or "", "filter": raw}, SegmentIn, staff.locale
        )
        status = 422
        segment: Segment | None = None
        if data is not None:

            async def work() -> Segment:
                return await create_segment(
                    db,
                    name=data.name,
                    filter_=data.filter,
                    created_by=staff.caller.user_id,
                    now=clock.now(),
                )

            segment, problem, status = await attempt(db, staff.locale, work)
        if segment is None:
            return await campaigns_list(
                request,
                db,
                staff,
                status=status,
                builder=read_builder(form),
                values=form_values(form),
                problem=at_rows(problem, compiled),
            )
        await audit_request(
            db,
            request,
            staff.caller,
            action="segment.create",
            object_type="segment",
            object_id=str(segment.id),
            summary={"name": segment.name, "filter": segment.filter},
        )
        notice = texts_for(staff.locale)("segment_created", name=segment.name)
        return await campaigns_list(request, db, staff, notice=notice, made=segment)
