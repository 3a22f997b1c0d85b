"""Finding a lesson as a learner sees it: in its course's published version, with the
caller's progress and what the course's lock needs to know, in one indexed query."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.driver_reads import DriverRead, DriverWrite
from courses.bundle import ORIGINAL_LOCALE
from courses.errors import CourseLocked, LessonNotFound
from courses.gating import CourseLock, course_lock, risk_rank
from courses.models import (
    Course,
    CourseProgress,
    CourseVersion,
    CourseVersionText,
    Lesson,
    LessonContent,
    LessonProgress,
    LessonVersion,
)


@dataclass(frozen=True)
class LessonText:
    """What grading an attempt reads of the lesson's text in the caller's locale."""

    locale: str
    title: str
    explanations: dict[str, Any]
    course_title: str | None  # the course's title, for the attempt's reward lines


@dataclass(frozen=True)
class LessonContext:
    lesson_id: uuid.UUID
    lesson_slug: str
    course_id: uuid.UUID
    course_slug: str
    version_id: uuid.UUID
    lesson_count: int
    position: int
    est_minutes: int
    answer_key: dict[str, Any]
    open_to_all: bool  # the lesson is open whatever the course's gate
    min_risk_profile: str
    prerequisites: list[str]
    completed_prerequisites: list[str]
    opened_at: datetime | None
    completed_at: datetime | None
    quiz_passed: bool  # the caller has passed this quiz before (and so earned its event)
    quiz_perfect: bool
    content: "LessonText | None"  # when asked for (a quiz attempt's read)

    def lock(self, risk_profile: str | None) -> CourseLock | None:
        if self.open_to_all:
            return None
        return course_lock(
            min_risk_profile=self.min_risk_profile,
            prerequisites=self.prerequisites,
            risk_profile=risk_profile,
            completed_courses=set(self.completed_prerequisites),
        )

    def ensure_unlocked(self, risk_profile: str | None) -> None:
        lock = self.lock(risk_profile)
        if lock is not None:
            raise CourseLocked(
                lock.code,
                missing_prerequisites=lock.missing_prerequisites,
                required_risk_profile=lock.required_risk_profile,
                risk_profile=lock.risk_profile,
                courses=", ".join(lock.missing_prerequisites),
            )


def locale_in(version_locales: Any, locale: Any) -> Any:
    """SQL: the requested locale (a value or a bound parameter) when the version has it, else
    the original."""
    if isinstance(locale, str):
        locale = sa.literal(locale)
    return sa.case((locale == sa.any_(version_locales), locale), else_=ORIGINAL_LOCALE)


def completed_courses_among(user_id: Any, slugs: Any) -> Any:
    """SQL: which of `slugs` (an array expression) the user has completed, as an array; the
    lookup is skipped for the many courses without prerequisites."""
    completed = (
        sa.select(sa.func.array_agg(col(Course.slug)))
        .select_from(CourseProgress)
        .join(Course, col(Course.id) == col(CourseProgress.course_id))
        .where(
            col(CourseProgress.user_id) == user_id,
            col(CourseProgress.completed_at).is_not(None),
            col(Course.slug) == sa.any_(slugs),
        )
        .scalar_subquery()
    )
    return sa.case((sa.func.cardinality(slugs) == 0, None), else_=completed)


async def lesson_context(
    db: AsyncSession, lesson_id: uuid.UUID, *, user_id: uuid.UUID
) -> LessonContext:
    """The lesson in its published version, with the caller's progress (no content).
    LessonNotFound when not published."""
    row = await _READ_LESSON.first(db, lesson_id=lesson_id, user_id=user_id)
    if row is None:
        raise LessonNotFound(lesson_id=lesson_id)
    return lesson_context_of(row, lesson_id, with_text=False)


@dataclass(frozen=True)
class Opening:
    """A lesson opened: its context (without the text grading reads), the time its clock
    started in this statement (a concurrent first opening's, if earlier; None when it did not
    start here), and its text in the caller's locale: the cards as the JSON the response
    carries, the questions in their stored order."""

    context: LessonContext
    started_at: datetime | None
    locale: str
    title: str
    cards_json: str
    questions: list[dict[str, Any]]


async def open_lesson_context(
    db: AsyncSession,
    lesson_id: uuid.UUID,
    *,
    user_id: uuid.UUID,
    locale: str,
    risk_profile: str | None,
    now: datetime,
) -> Opening:
    """The lesson with its text, and its clock started in the same statement when this is the
    caller's first opening of a lesson they may take."""
    row = await _OPENING.first(
        db,
        lesson_id=lesson_id,
        user_id=user_id,
        locale=locale,
        risk_rank=risk_rank(risk_profile),
        now=now,
    )
    if row is None:
        raise LessonNotFound(lesson_id=lesson_id)
    return Opening(
        lesson_context_of(row, lesson_id, with_text=False),
        row.started_at,
        row.locale,
        row.title,
        row.cards,
        row.questions,
    )


def lesson_context_of(row: Any, lesson_id: uuid.UUID, *, with_text: bool) -> LessonContext:
    """The context from a row of the lesson's read (`LESSON_EXPLANATIONS`' columns, say)."""
    text = None
    if with_text:
        text = LessonText(row.locale, row.title, row.explanations, row.course_title)
    return LessonContext(
        lesson_id=lesson_id,
        lesson_slug=row.slug,
        course_id=row.course_id,
        course_slug=row.course_slug,
        version_id=row.version_id,
        lesson_count=row.lesson_count,
        position=row.position,
        est_minutes=row.est_minutes,
        answer_key=row.answer_key,
        open_to_all=row.open_to_all,
        min_risk_profile=row.min_risk_profile,
        prerequisites=list(row.prerequisites),
        completed_prerequisites=list(row.completed or ()),
        opened_at=row.opened_at,
        completed_at=row.completed_at,
        quiz_passed=row.quiz_passed_attempt_id is not None,
        quiz_perfect=row.quiz_perfect_attempt_id is not None,
        content=text,
    )


def _lesson_query() -> Any:
    """Primary-key lookups only: lesson, course, the course's published version (a partial
    unique index), the lesson in it, and the caller's progress row. Built once, with bound
    parameters: building a statement costs more than running this one."""
    version = CourseVersion
    lesson_id = sa.bindparam("lesson_id", type_=sa.Uuid())
    user_id = sa.bindparam("user_id", type_=sa.Uuid())
    return (
        sa.select(
            col(Lesson.slug),
            col(Lesson.course_id),
            col(Course.slug).label("course_slug"),
            col(version.id).label("version_id"),
            col(version.lesson_count),
            col(version.min_risk_profile),
            col(version.prerequisites),
            col(LessonVersion.position),
            col(LessonVersion.est_minutes),
            col(LessonVersion.answer_key),
            col(LessonVersion.open_to_all),
            col(LessonProgress.opened_at),
            col(LessonProgress.completed_at),
            col(LessonProgress.quiz_passed_attempt_id),
            col(LessonProgress.quiz_perfect_attempt_id),
            completed_courses_among(user_id, col(version.prerequisites)).label("completed"),
        )
        .select_from(Lesson)
        .join(Course, col(Course.id) == col(Lesson.course_id))
        .join(
            version,
            sa.and_(
                col(version.course_id) == col(Lesson.course_id), col(version.status) == "published"
            ),
        )
        .join(
            LessonVersion,
            sa.and_(
                col(LessonVersion.version_id) == col(version.id),
                col(LessonVersion.lesson_id) == col(Lesson.id),
            ),
        )
        .outerjoin(
            LessonProgress,
            sa.and_(
                col(LessonProgress.user_id) == user_id,
                col(LessonProgress.lesson_id) == col(Lesson.id),
            ),
        )
        .where(col(Lesson.id) == lesson_id)
    )


def _with_text(query: Any, *columns: Any) -> Any:
    """The query joined to the lesson's text in `:locale` (else the original), with its locale
    and title and these of its `columns`."""
    locale = sa.bindparam("locale", type_=sa.String())
    return query.add_columns(col(LessonContent.locale), col(LessonContent.title), *columns).join(
        LessonContent,
        sa.and_(
            col(LessonContent.version_id) == col(CourseVersion.id),
            col(LessonContent.lesson_id) == col(Lesson.id),
            col(LessonContent.locale) == locale_in(col(CourseVersion.locales), locale),
        ),
    )


def _course_title() -> Any:
    """SQL: the course's title in the lesson text's locale, for the reward lines of a quiz
    attempt."""
    return (
        sa.select(col(CourseVersionText.title))
        .where(
            col(CourseVersionText.version_id) == col(CourseVersion.id),
            col(CourseVersionText.locale) == col(LessonContent.locale),
        )
        .scalar_subquery()
        .label("course_title")
    )


_LESSON = _lesson_query()
# The lesson with its explanations and course title in `:locale`: what grading an attempt and
# its answer read (`gamification/rewards/quizzes.py` builds the attempt's statement on it).
LESSON_EXPLANATIONS = _with_text(_LESSON, col(LessonContent.explanations), _course_title())
# Sent straight to the driver: the ORM's execution cost more than the query's own work.
_READ_LESSON = DriverRead(_LESSON)


def may_take(lesson: Any, risk_rank: Any) -> Any:
    """SQL: `LessonContext.lock`'s rule on a row of the lesson's read (a CTE of
    `_lesson_query`'s columns) for a caller of `risk_rank`: the lesson is open to all, or the
    caller's rank is at least the course's minimum and every prerequisite is completed."""
    minimum_rank = sa.cast(sa.func.substr(lesson.c.min_risk_profile, 2), sa.Integer)
    return sa.or_(
        lesson.c.open_to_all,
        sa.and_(
            risk_rank >= minimum_rank,
            sa.or_(
                sa.func.cardinality(lesson.c.prerequisites) == 0,
                lesson.c.prerequisites.contained_by(lesson.c.completed),
            ),
        ),
    )


# A lesson's start time moves no value (no points, no money): its commit need not wait for
# the WAL to reach the disk (`synchronous_commit = off` for the transaction that starts the
# clock, set as a condition of the insert). A crash can forget the last fraction of a second's
# first openings; the learner's next opening starts the clock again, later, so at worst they
# wait longer before completing. Never for a transaction that pays: the setting is taken only
# when `alone` is true, which `DriverWrite` sends only where the statement is its own
# transaction (through a session, inside its transaction, the default false leaves it on).
ALONE = sa.bindparam("alone", value=False, type_=sa.Boolean())
NO_FLUSH_WAIT = sa.case(
    (ALONE, sa.func.set_config("synchronous_commit", "off", sa.true())), else_=sa.literal("on")
).is_not(None)


def _opening_query() -> Any:
    """The lesson with its text, and the upsert of its clock as a data-modifying CTE: one round
    trip for an opening. The clock starts only when it has not (the row's `opened_at`) and only
    for a lesson the caller may take: `LessonContext.lock`'s rule in SQL (open to all, or the
    caller's risk rank at least the course's minimum and every prerequisite completed:
    `may_take`), so a locked lesson writes nothing, and an opening after the first is a read
    (an insert of no rows takes no transaction id and commits nothing). A concurrent first
    opening keeps the earlier time. The statement stands alone on the lesson route
    (`DriverWrite`), so its relaxed commit (`NO_FLUSH_WAIT`) is the clock's alone; within
    another transaction it is not taken. The insert also logs the `lesson_opened` activity
    event (a trigger): lost with it in a crash. The cards come as the JSON text the response
    carries: the app neither decodes nor encodes them."""
    lesson = _with_text(_LESSON, col(LessonContent.cards), col(LessonContent.questions)).cte(
        "lesson"
    )
    progress: sa.Table = LessonProgress.__table__  # type: ignore[attr-defined]
    now = sa.bindparam("now", type_=progress.c.opened_at.type)
    allowed = may_take(lesson, sa.bindparam("risk_rank", type_=sa.Integer()))
    started = (
        insert(progress)
        .from_select(
            ["user_id", "lesson_id", "course_id", "opened_at"],
            sa.select(
                sa.bindparam("user_id", type_=sa.Uuid()),
                sa.bindparam("lesson_id", type_=sa.Uuid()),
                lesson.c.course_id,
                now,
            ).where(lesson.c.opened_at.is_(None), allowed, NO_FLUSH_WAIT),
        )
        .on_conflict_do_update(
            index_elements=["user_id", "lesson_id"],
            set_={"opened_at": sa.func.coalesce(progress.c.opened_at, now)},
        )
        .returning(progress.c.opened_at)
        .cte("started")
    )
    return sa.select(
        *(column for column in lesson.c if column.key != "cards"),
        sa.cast(lesson.c.cards, sa.Text).label("cards"),
        sa.select(started.c.opened_at).scalar_subquery().label("started_at"),
    )


# One statement that stands on its own (an idempotent upsert): every lesson opening runs it.
_OPENING = DriverWrite(_opening_query(), alone={ALONE.key: True})
