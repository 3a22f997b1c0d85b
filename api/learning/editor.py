"""Editors' routes: import a course bundle as a draft, publish it, and see how learners do.

The import takes the bundle as JSON, or as YAML with `Content-Type: application/yaml`: one
course with all its locales, `{"slug": ..., "locales": {"zh-CN": {...}, "en": {...}}}` (see
`seed/README.md`). A bundle with any problem is a 422 listing every problem; nothing of it is
stored. Importing content identical to the course's latest version changes nothing and
answers 200 with that version; new content answers 201 with a new draft.
"""

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.audit import audit_request
from api.learning.schemas import BundleIssue, CourseStatsOut, ImportOut, PublishOut
from api.openapi import problem_responses
from api.problems import ProblemError
from api.timestamps import TimestampedResponse
from core.clock import Clock
from courses.importing import existing_course_slugs, import_course, publish_course
from courses.sources import bundle_source, parse_json, parse_yaml
from courses.stats import course_stats
from courses.validation import CourseBundle, Problem, validate_course

YAML_MEDIA_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml"})
JSON_MEDIA_TYPES = frozenset({"application/json", ""})


def bundle_issues(problems: list[Problem]) -> list[BundleIssue]:
    return [BundleIssue(_field(problem), problem.message, problem.line) for problem in problems]


def _field(problem: Problem) -> str:
    if problem.file == "bundle":
        return problem.path or "body"
    return f"{problem.file}.{problem.path}" if problem.path else problem.file


async def read_bundle(db: AsyncSession, request: Request[Any, Any, Any]) -> CourseBundle:
    """The valid bundle in the request body, or a 422 problem listing every problem."""
    media_type = request.content_type[0].lower()
    if media_type not in YAML_MEDIA_TYPES | JSON_MEDIA_TYPES:
        raise ProblemError(415, "unsupported-media-type", message="bundle-media-type")
    bundle, problems = await check_bundle(
        db, await request.body(), yaml=media_type in YAML_MEDIA_TYPES
    )
    if bundle is not None:
        return bundle
    raise ProblemError(
        422,
        "invalid-bundle",
        message="invalid-bundle",
        params={"count": len(problems)},
        errors=[msgspec.structs.asdict(issue) for issue in bundle_issues(problems)],
    )


async def check_bundle(
    db: AsyncSession, body: bytes, *, yaml: bool
) -> tuple[CourseBundle | None, list[Problem]]:
    """The bundle in `body` (YAML or JSON) when it is valid, else every problem it has.
    Prerequisites may name courses already imported."""
    parse = parse_yaml if yaml else parse_json
    document, problems, lines = parse(body, "bundle")
    if problems:
        return None, problems
    source = bundle_source(document, lines=lines)
    known = await existing_course_slugs(db)
    return validate_course(source, known_courses=known | {source.slug})


@dataclass
class _ImportOperation(Operation):
    """The import reads its body itself (JSON or YAML), so its request body is declared here."""

    def __post_init__(self) -> None:
        schema = Schema(
            type=OpenAPIType.OBJECT,
            required=["slug", "locales"],
            properties={
                "format": Schema(type=OpenAPIType.INTEGER, enum=[1]),
                "slug": Schema(type=OpenAPIType.STRING, max_length=64),
                "locales": Schema(
                    type=OpenAPIType.OBJECT,
                    description="zh-CN (required) and en: each a locale document, as printed "
                    "by `investquest courses schema`.",
                ),
            },
        )
        self.request_body = RequestBody(
            content={
                "application/json": OpenAPIMediaType(schema=schema),
                "application/yaml": OpenAPIMediaType(schema=schema),
            },
            description="One course with all its locales (see seed/README.md).",
            required=True,
        )


class EditorController(Controller):
    path = "/v1/editor/courses"
    tags = ("editors",)
    guards = [requires_role(Role.EDITOR)]  # noqa: RUF012 - Litestar's declared attribute

    @post(
        "/import",
        operation_id="importCourse",
        summary="Import a course bundle as a new draft version",
        description=__doc__,
        operation_class=_ImportOperation,
        status_code=201,
        responses={
            200: ResponseSpec(
                ImportOut, description="Identical to the latest version: nothing changed"
            ),
            **problem_responses(401, 403, 415, 422),
        },
    )
    async def import_bundle(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
    ) -> Response[ImportOut]:
        bundle = await read_bundle(db, request)
        result = await import_course(db, bundle, now=clock.now(), imported_by=caller.user_id)
        await audit_request(
            db,
            request,
            caller,
            action="course.import",
            object_type="course",
            object_id=bundle.slug,
            summary={
                "version": result.version,
                "changed": result.created,
                "hash": bundle.content_hash,
            },
        )
        out = ImportOut(
            slug=result.slug,
            version=result.version,
            status=result.status,
            lessons=result.lessons,
            questions=result.questions,
            warnings=bundle_issues(bundle.warnings),
            changed=result.created,
        )
        return TimestampedResponse(out, status_code=201 if result.created else 200)

    @post(
        "/{slug:str}/publish",
        operation_id="publishCourse",
        status_code=200,
        summary="Publish the latest draft version",
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def publish(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        slug: FromPath[str],
    ) -> PublishOut:
        result = await publish_course(db, slug, now=clock.now())
        await audit_request(
            db,
            request,
            caller,
            action="course.publish",
            object_type="course",
            object_id=slug,
            summary={"version": result.version, "archived": result.archived_versions},
        )
        return PublishOut(result.slug, result.version, result.status, result.archived_versions)

    @get(
        "/{slug:str}/stats",
        operation_id="getCourseStats",
        summary="Opens and completions per lesson; attempts, accuracy and the most chosen "
        "wrong answer per question",
        responses=problem_responses(400, 401, 403, 404, 422),
    )
    async def stats(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        slug: FromPath[str],
        locale: NamedDependency[str],
    ) -> CourseStatsOut:
        stats = await course_stats(db, slug, locale=locale)
        return msgspec.convert(stats, CourseStatsOut, from_attributes=True)
