"""Courses in the console (role editor): upload a bundle (every problem listed with its
path), drafts and published versions, publish, and each course's learning figures as charts.

The same services and audit entries as the editors' API (`api/learning/editor.py`)."""

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Role
from api.audit import audit_request
from api.console.charts import Bars, bar_chart
from api.console.forms import FormProblem, domain_problem
from api.console.pages import render
from api.console.session import Staff, require
from api.console.texts import texts_for
from api.learning.editor import bundle_issues, check_bundle
from core.clock import Clock
from core.errors import DomainError
from courses.importing import import_course, publish_course
from courses.stats import CourseStats, course_stats
from courses.versions import list_course_versions

LISTED_COURSES = 200
YAML_SUFFIXES = (".yaml", ".yml")


async def _courses_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    staff: Staff,
    *,
    status: int = 200,
    notice: str = "",
    problem: FormProblem | None = None,
    issues: list[Any] | None = None,
) -> Template:
    courses = await list_course_versions(db, limit=LISTED_COURSES, after=None)
    return render(
        request,
        "courses.html.j2",
        staff=staff,
        status=status,
        courses=courses,
        notice=notice,
        problem=problem,
        issues=issues or [],
    )


def _charts(stats: CourseStats, locale: str) -> dict[str, Any]:
    t = texts_for(locale)
    lessons = [Bars(lesson.title, [lesson.opens, lesson.completions]) for lesson in stats.lessons]
    questions = [
        Bars(f"{n}.{m} {q.prompt}", [100 * q.accuracy if q.accuracy is not None else 0])
        for n, lesson in enumerate(stats.lessons, start=1)
        for m, q in enumerate(lesson.questions, start=1)
    ]
    return {
        "completions_chart": bar_chart(
            t("completions_chart"), lessons, [t("opens"), t("completions")]
        ),
        "accuracy_chart": bar_chart(t("accuracy_chart"), questions, [t("accuracy")], percent=True),
    }


class CoursesPageController(Controller):
    path = "/courses"
    include_in_schema = False

    @get("/")
    async def courses(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        staff: NamedDependency[Staff],
    ) -> Template:
        require(staff, Role.EDITOR)
        return await _courses_page(request, db, staff)

    @post("/upload", status_code=200)
    async def upload(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        staff: NamedDependency[Staff],
    ) -> Template:
        """A bundle with problems lists them all (422) and stores nothing."""
        require(staff, Role.EDITOR)
        upload = (await request.form()).get("bundle")
        if not isinstance(upload, UploadFile):
            problem = FormProblem(
                title=texts_for(staff.locale)("upload_bundle"),
                detail=texts_for(staff.locale)("bundle_file"),
                errors=[{"field": "bundle", "message": "is required"}],
            )
            return await _courses_page(request, db, staff, status=422, problem=problem)
        yaml = (upload.filename or "").lower().endswith(YAML_SUFFIXES)
        bundle, problems = await check_bundle(db, await upload.read(), yaml=yaml)
        if bundle is None:
            issues = bundle_issues(problems)
            return await _courses_page(request, db, staff, status=422, issues=issues)
        result = await import_course(db, bundle, now=clock.now(), imported_by=staff.caller.user_id)
        await audit_request(
            db,
            request,
            staff.caller,
            action="course.import",
            object_type="course",
            object_id=bundle.slug,
            summary={
                "version": result.version,
                "changed": result.created,
                "hash": bundle.content_hash,
            },
        )
        t = texts_for(staff.locale)
        notice = (
            t("imported", slug=result.slug, version=result.version, status=result.status)
            if result.created
            else t("unchanged", slug=result.slug, version=result.version)
        )
        return await _courses_page(request, db, staff, notice=notice)

    @post("/{slug:str}/publish", status_code=200)
    async def publish(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        staff: NamedDependency[Staff],
        slug: FromPath[str],
    ) -> Template:
        require(staff, Role.EDITOR)
        try:
            async with db.begin_nested():
                result = await publish_course(db, slug, now=clock.now())
        except DomainError as error:
            problem = domain_problem(error, staff.locale)
            return await _courses_page(request, db, staff, status=409, problem=problem)
        await audit_request(
            db,
            request,
            staff.caller,
            action="course.publish",
            object_type="course",
            object_id=slug,
            summary={"version": result.version, "archived": result.archived_versions},
        )
        notice = texts_for(staff.locale)("published_version", slug=slug, version=result.version)
        return await _courses_page(request, db, staff, notice=notice)

    @get("/{slug:str}")
    async def course(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        staff: NamedDependency[Staff],
        slug: FromPath[str],
    ) -> Template:
        require(staff, Role.EDITOR)
        stats = await course_stats(db, slug, locale=staff.locale)
        return render(
            request, "course.html.j2", staff=staff, stats=stats, **_charts(stats, staff.locale)
        )
