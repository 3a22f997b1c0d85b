"""Editors' routes over a course's versions: list every course with its versions, read a
version and preview its lessons (drafts too, answers included), publish a chosen version (a
draft, or an earlier one to roll back to) and unpublish a course. Every change is audited."""

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, PathParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller, Role
from api.accounts.guards import requires_role
from api.audit import audit_request
from api.learning.schemas import (
    CardOut,
    CourseVersionOut,
    EditorCourseOut,
    EditorCoursePage,
    LessonPreviewOut,
    PreviewQuestionOut,
    PreviewQuizOut,
    PublishOut,
    UnpublishOut,
    VersionOut,
)
from api.openapi import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, make_page, page_request
from core.clock import Clock
from courses.grading import SCORING
from courses.importing import publish_version, unpublish_course
from courses.versions import (
    CourseVersions,
    list_course_versions,
    preview_lesson,
    version_detail,
)

VersionNumber = Annotated[
    int, PathParameter(ge=1, le=2**31 - 1, description="The version number (1, 2, ...).")
]


def _course_out(course: CourseVersions) -> EditorCourseOut:
    return EditorCourseOut(
        slug=course.slug,
        live_version=course.live_version,
        pending_draft=course.pending_draft,
        versions=msgspec.convert(course.versions, list[VersionOut], from_attributes=True),
    )


async def _audit(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    caller: Caller,
    *,
    action: str,
    slug: str,
    summary: dict[str, Any],
) -> None:
    await audit_request(
        db, request, caller, action=action, object_type="course", object_id=slug, summary=summary
    )


class CourseVersionsController(Controller):
    path = "/v1/editor/courses"
    tags = ("editors",)
    guards = [requires_role(Role.EDITOR)]  # noqa: RUF012 - Litestar's declared attribute

    @get(
        "",
        operation_id="listEditorCourses",
        summary="Every course with its versions, which one is live and which draft is pending",
        responses=problem_responses(400, 401, 403, 422),
    )
    async def courses(
        self,
        db: NamedDependency[AsyncSession],
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> EditorCoursePage:
        page = page_request(limit, cursor, (str,))
        rows = await list_course_versions(
            db, limit=limit + 1, after=page.after[0] if page.after else None
        )
        items, next_cursor = make_page(rows, limit, lambda course: (course.slug,))
        return EditorCoursePage(
            items=[_course_out(item) for item in items], next_cursor=next_cursor
        )

    @get(
        "/{slug:str}/versions/{number:int}",
        operation_id="getCourseVersion",
        summary="One version of a course (any state) with its lessons in order",
        responses=problem_responses(400, 401, 403, 404, 422),
    )
    async def version(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        slug: FromPath[str],
        number: VersionNumber,
        locale: NamedDependency[str],
    ) -> CourseVersionOut:
        detail = await version_detail(db, slug, number, locale=locale)
        return msgspec.convert(detail, CourseVersionOut, from_attributes=True)

    @get(
        "/{slug:str}/versions/{number:int}/lessons/{lesson_id:uuid}",
        operation_id="previewLesson",
        summary="Preview a lesson of any version (drafts too) as a learner would read it, with "
        "its answers and explanations",
        responses=problem_responses(400, 401, 403, 404, 422),
    )
    async def preview(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        slug: FromPath[str],
        number: VersionNumber,
        lesson_id: FromPath[uuid.UUID],
        locale: NamedDependency[str],
    ) -> LessonPreviewOut:
        lesson = await preview_lesson(
            db,
            slug,
            number,
            lesson_id,
            locale=locale,
            viewer_id=caller.user_id,
        )
        return LessonPreviewOut(
            id=lesson.id,
            slug=lesson.slug,
            course_slug=lesson.course_slug,
            version=lesson.version,
            status=lesson.status,
            locale=lesson.locale,
            position=lesson.position,
            title=lesson.title,
            est_minutes=lesson.est_minutes,
            open_to_all=lesson.open_to_all,
            cards=msgspec.convert(lesson.cards, list[CardOut]),
            quiz=PreviewQuizOut(
                pass_score=lesson.pass_score,
                questions=msgspec.convert(lesson.questions, list[PreviewQuestionOut]),
                scoring=SCORING,
            ),
        )

    @post(
        "/{slug:str}/versions/{number:int}/publish",
        operation_id="publishCourseVersion",
        status_code=200,
        summary="Publish this version: a draft, or an earlier version to roll back to",
        description="The version live (or unpublished) before is archived, and so are drafts "
        "older than this one; newer drafts stay pending. Learners keep their progress.",
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def publish_version(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        slug: FromPath[str],
        number: VersionNumber,
    ) -> PublishOut:
        result = await publish_version(db, slug, number, now=clock.now())
        summary = {"version": result.version, "archived": result.archived_versions}
        await _audit(db, request, caller, action="course.publish", slug=slug, summary=summary)
        return PublishOut(result.slug, result.version, result.status, result.archived_versions)

    @post(
        "/{slug:str}/unpublish",
        operation_id="unpublishCourse",
        status_code=200,
        summary="Take the course away from learners until a version is published again",
        description="Learners' progress is kept. Publish any version to bring it back.",
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def unpublish(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        slug: FromPath[str],
    ) -> UnpublishOut:
        number = await unpublish_course(db, slug, now=clock.now())
        summary = {"version": number}
        await _audit(db, request, caller, action="course.unpublish", slug=slug, summary=summary)
        return UnpublishOut(slug, number, "unpublished")
