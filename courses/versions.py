"""The editors' view of courses: every version with its state, a version's lessons, and a
lesson of any version (drafts too) as a learner would read it, with its answers."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from courses.access import locale_in
from courses.bundle import ORIGINAL_LOCALE
from courses.errors import CourseVersionNotFound, LessonNotInVersion
from courses.grading import AnswerKey
from courses.models import (
    Course,
    CourseVersion,
    CourseVersionText,
    Lesson,
    LessonContent,
    LessonVersion,
)
from courses.shuffle import questions_for


@dataclass(frozen=True)
class VersionSummary:
    number: int
    status: str  # draft | published | unpublished | archived
    title: str  # in the original locale
    locales: list[str]
    lesson_count: int
    question_count: int
    created_at: datetime
    published_at: datetime | None  # when it last went live


@dataclass(frozen=True)
class CourseVersions:
    slug: str
    versions: list[VersionSummary]  # newest first

    @property
    def live_version(self) -> int | None:
        return next((v.number for v in self.versions if v.status == "published"), None)

    @property
    def pending_draft(self) -> int | None:
        """The draft that publishing the course would make live (the latest)."""
        return next((v.number for v in self.versions if v.status == "draft"), None)


async def list_course_versions(
    db: AsyncSession, *, limit: int, after: str | None
) -> list[CourseVersions]:
    """Up to `limit` courses by slug after `after`, each with all its versions."""
    query = sa.select(col(Course.id), col(Course.slug)).order_by(col(Course.slug))
    if after is not None:
        query = query.where(col(Course.slug) > after)
    page = (await db.execute(query.limit(limit))).all()
    rows = await db.execute(
        sa.select(
            col(CourseVersion.course_id),
            col(CourseVersion.number),
            col(CourseVersion.status),
            col(CourseVersionText.title),
            col(CourseVersion.locales),
            col(CourseVersion.lesson_count),
            col(CourseVersion.question_count),
            col(CourseVersion.created_at),
            col(CourseVersion.published_at),
        )
        .join(
            CourseVersionText,
            sa.and_(
                col(CourseVersionText.version_id) == col(CourseVersion.id),
                col(CourseVersionText.locale) == ORIGINAL_LOCALE,
            ),
        )
        .where(col(CourseVersion.course_id).in_([course.id for course in page]))
        .order_by(col(CourseVersion.number).desc())
    )
    versions: dict[uuid.UUID, list[VersionSummary]] = {course.id: [] for course in page}
    for row in rows:
        versions[row.course_id].append(
            VersionSummary(
                number=row.number,
                status=row.status,
                title=row.title,
                locales=list(row.locales),
                lesson_count=row.lesson_count,
                question_count=row.question_count,
                created_at=row.created_at,
                published_at=row.published_at,
            )
        )
    return [CourseVersions(course.slug, versions[course.id]) for course in page]


@dataclass(frozen=True)
class VersionLesson:
    id: uuid.UUID
    slug: str
    position: int
    title: str
    est_minutes: int
    open_to_all: bool


@dataclass(frozen=True)
class VersionDetail:
    slug: str
    number: int
    status: str
    locale: str
    title: str
    summary: str
    created_at: datetime
    published_at: datetime | None
    lessons: list[VersionLesson]


def _version(slug: str, number: int) -> Any:
    return (
        sa.select(col(CourseVersion.id))
        .join(Course, col(Course.id) == col(CourseVersion.course_id))
        .where(col(Course.slug) == slug, col(CourseVersion.number) == number)
        .scalar_subquery()
    )


async def version_detail(db: AsyncSession, slug: str, number: int, *, locale: str) -> VersionDetail:
    """Version `number` of the course with its lessons in order, in `locale` (or the original)."""
    version = (
        await db.execute(
            sa.select(CourseVersion, CourseVersionText)
            .join(
                CourseVersionText,
                sa.and_(
                    col(CourseVersionText.version_id) == col(CourseVersion.id),
                    col(CourseVersionText.locale) == locale_in(col(CourseVersion.locales), locale),
                ),
            )
            .where(col(CourseVersion.id) == _version(slug, number))
        )
    ).first()
    if version is None:
        raise CourseVersionNotFound(slug=slug, number=number)
    course, text = version
    lessons = await db.execute(
        sa.select(
            col(Lesson.id),
            col(Lesson.slug),
            col(LessonVersion.position),
            col(LessonContent.title),
            col(LessonVersion.est_minutes),
            col(LessonVersion.open_to_all),
        )
        .join(Lesson, col(Lesson.id) == col(LessonVersion.lesson_id))
        .join(
            LessonContent,
            sa.and_(
                col(LessonContent.version_id) == col(LessonVersion.version_id),
                col(LessonContent.lesson_id) == col(LessonVersion.lesson_id),
                col(LessonContent.locale) == text.locale,
            ),
        )
        .where(col(LessonVersion.version_id) == course.id)
        .order_by(col(LessonVersion.position))
    )
    return VersionDetail(
        slug=slug,
        number=number,
        status=course.status,
        locale=text.locale,
        title=text.title,
        summary=text.summary,
        created_at=course.created_at,
        published_at=course.published_at,
        lessons=[VersionLesson(*row) for row in lessons],
    )


@dataclass(frozen=True)
class LessonPreview:
    id: uuid.UUID
    slug: str
    course_slug: str
    version: int
    status: str
    locale: str
    position: int
    title: str
    est_minutes: int
    open_to_all: bool
    cards: list[dict[str, Any]]
    pass_score: int
    # {id, kind, prompt, choices: [{id, text, correct}], explanation}, choices in the order
    # the previewing editor would see them as a learner
    questions: list[dict[str, Any]]


async def preview_lesson(
    db: AsyncSession,
    slug: str,
    number: int,
    lesson_id: uuid.UUID,
    *,
    locale: str,
    viewer_id: uuid.UUID,
) -> LessonPreview:
    """A lesson of version `number` (any state) as `viewer_id` would read it, with the answers
    and explanations a learner sees only after answering."""
    row = (
        await db.execute(
            sa.select(CourseVersion, LessonVersion, LessonContent, col(Lesson.slug))
            .join(LessonVersion, col(LessonVersion.version_id) == col(CourseVersion.id))
            .join(Lesson, col(Lesson.id) == col(LessonVersion.lesson_id))
            .join(
                LessonContent,
                sa.and_(
                    col(LessonContent.version_id) == col(CourseVersion.id),
                    col(LessonContent.lesson_id) == col(Lesson.id),
                    col(LessonContent.locale) == locale_in(col(CourseVersion.locales), locale),
                ),
            )
            .where(col(CourseVersion.id) == _version(slug, number), col(Lesson.id) == lesson_id)
        )
    ).first()
    if row is None:
        raise LessonNotInVersion(slug=slug, number=number, lesson_id=lesson_id)
    version, lesson, content, lesson_slug = row
    return LessonPreview(
        id=lesson_id,
        slug=lesson_slug,
        course_slug=slug,
        version=number,
        status=version.status,
        locale=content.locale,
        position=lesson.position,
        title=content.title,
        est_minutes=lesson.est_minutes,
        open_to_all=lesson.open_to_all,
        cards=content.cards,
        pass_score=lesson.answer_key["pass_score"],
        questions=_answered(content, AnswerKey.from_json(lesson.answer_key), viewer_id),
    )


def _answered(content: LessonContent, key: AnswerKey, viewer_id: uuid.UUID) -> list[dict[str, Any]]:
    correct = {question.id: set(question.correct) for question in key.questions}
    questions = questions_for(content.questions, learner_id=viewer_id, lesson_id=content.lesson_id)
    return [
        question
        | {
            "choices": [
                choice | {"correct": choice["id"] in correct[question["id"]]}
                for choice in question["choices"]
            ],
            "explanation": content.explanations[question["id"]],
        }
        for question in questions
    ]
