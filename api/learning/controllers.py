"""Learners' routes: the catalogue, course pages, lessons, completions, quiz attempts and
progress. Thin: pick the locale, call a `courses` service, shape the answer."""

import uuid

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import SecurityRequirement
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.accounts.guards import provide_optional_caller
from api.autocommit_routes import AUTOCOMMIT, DRIVER_ONLY
from api.business_metrics import LESSONS_COMPLETED, QUIZ_ATTEMPTS, count_on_commit
from api.learning.activity import activity_out
from api.learning.locks import lock_message, lock_messages
from api.learning.schemas import (
    CourseDetailOut,
    CourseItem,
    CoursePage,
    CourseProgressOut,
    LessonCompletionOut,
    LessonItem,
    LessonOut,
    MyProgressOut,
    ProgressOut,
    QuestionResultOut,
    QuizAttemptIn,
    QuizAttemptOut,
    QuizOut,
    QuizQuestionOut,
    encoded,
)
from api.openapi import problem_responses
from api.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    make_page,
    page_request,
)
from api.rewards.awards import pay_quiz_attempt, pay_rewards, streak_out
from api.settings import Settings
from core.clock import Clock
from courses.catalogue import CourseSummary, list_courses
from courses.course_page import course_detail
from courses.events import CourseCompleted, LessonCompleted
from courses.grading import SCORING
from courses.lessons import complete_lesson, open_lesson
from courses.progress import my_progress


def _course_item(course: CourseSummary, lock_message: str | None) -> dict[str, object]:
    lock, progress = course.lock, course.progress
    return {
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "level": course.level,
        "tags": course.tags,
        "lesson_count": course.lesson_count,
        "progress": ProgressOut(progress.completed, progress.total) if progress else None,
        "min_risk_profile": course.min_risk_profile,
        "prerequisites": course.prerequisites,
        "locked": lock is not None,
        "locked_reason": lock.code if lock else None,
        "locked_message": lock_message,
        "missing_prerequisites": list(lock.missing_prerequisites) if lock else [],
    }


VISITORS = (
    "A token is optional: without one (a visitor), `progress` is null, no lesson is "
    "`completed`, and locks are a new learner's (no risk profile, no course completed). A token "
    "that is sent must be valid (401 otherwise)."
)
TOKEN_OPTIONAL: list[SecurityRequirement] = [{}]  # added to the router's bearer requirement
VISITOR_DEPENDENCIES = {"viewer": Provide(provide_optional_caller, sync_to_thread=False)}


class LearningController(Controller):
    path = "/v1"
    tags = ("learning",)

    @get(
        "/courses",
        operation_id="listCourses",
        summary="Published courses in the caller's locale, with their progress",
        description=VISITORS,
        security=TOKEN_OPTIONAL,
        dependencies=VISITOR_DEPENDENCIES,
        responses=problem_responses(400, 401, 422),
        opt=DRIVER_ONLY,
    )
    async def courses(
        self,
        db: NamedDependency[AsyncSession],
        viewer: NamedDependency[Caller | None],
        locale: NamedDependency[str],
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> CoursePage:
        page = page_request(limit, cursor, (int, str))
        rows = await list_courses(
            db,
            user_id=viewer.user_id if viewer else None,
            locale=locale,
            risk_profile=viewer.risk_profile if viewer else None,
            limit=limit + 1,
            after=(page.after[0], page.after[1]) if page.after else None,
        )
        items, next_cursor = make_page(rows, limit, lambda c: (c.level_rank, c.slug))
        locks = await lock_messages(db, items, locale=locale)
        return CoursePage(
            items=[
                CourseItem(**_course_item(item, locks.get(item.slug)))  # type: ignore[arg-type]
                for item in items
            ],
            next_cursor=next_cursor,
        )

    @get(
        "/courses/{slug:str}",
        operation_id="getCourse",
        summary="A course with its lessons in order and the caller's progress",
        description=VISITORS,
        security=TOKEN_OPTIONAL,
        dependencies=VISITOR_DEPENDENCIES,
        responses=problem_responses(400, 401, 404, 422),
        opt=DRIVER_ONLY,
    )
    async def course(
        self,
        db: NamedDependency[AsyncSession],
        viewer: NamedDependency[Caller | None],
        slug: FromPath[str],
        locale: NamedDependency[str],
    ) -> CourseDetailOut:
        detail = await course_detail(
            db,
            slug,
            user_id=viewer.user_id if viewer else None,
            locale=locale,
            risk_profile=viewer.risk_profile if viewer else None,
        )
        lock = detail.course.lock
        message = lock_message(lock, detail.prerequisite_titles, locale=locale) if lock else None
        completed = detail.completed_lessons
        return CourseDetailOut(
            **_course_item(detail.course, message),  # type: ignore[arg-type]
            version=detail.version,
            locale=detail.locale,
            lessons=[
                LessonItem(
                    lesson.id,
                    lesson.slug,
                    lesson.title,
                    lesson.est_minutes,
                    lesson.id in completed,
                    lesson.open_to_all,
                )
                for lesson in detail.lessons
            ],
        )

    @get(
        "/lessons/{lesson_id:uuid}",
        operation_id="getLesson",
        summary="A lesson to read, without its answers; opening it starts its clock",
        responses=problem_responses(400, 401, 403, 404, 422),
        opt=DRIVER_ONLY,
    )
    async def lesson(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        lesson_id: FromPath[uuid.UUID],
        locale: NamedDependency[str],
    ) -> LessonOut:
        view = await open_lesson(
            db,
            lesson_id,
            user_id=caller.user_id,
            risk_profile=caller.risk_profile,
            locale=locale,
            now=clock.now(),
            min_read_factor=settings.lesson_min_read_factor,
        )
        return LessonOut(
            id=view.id,
            slug=view.slug,
            course_slug=view.course_slug,
            locale=view.locale,
            position=view.position,
            title=view.title,
            est_minutes=view.est_minutes,
            min_read_seconds=view.min_read_seconds,
            opened_at=view.opened_at,
            completed=view.completed,
            cards=encoded(view.cards_json),
            quiz=QuizOut(
                pass_score=view.pass_score,
                questions=msgspec.convert(view.questions, list[QuizQuestionOut]),
                scoring=SCORING,
            ),
        )

    @post(
        "/lessons/{lesson_id:uuid}/complete",
        operation_id="completeLesson",
        status_code=200,
        summary="Complete a lesson (again is fine: 200, no new rewards)",
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def complete(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        lesson_id: FromPath[uuid.UUID],
        locale: NamedDependency[str],
    ) -> LessonCompletionOut:
        now = clock.now()
        completion = await complete_lesson(
            db,
            lesson_id,
            user_id=caller.user_id,
            risk_profile=caller.risk_profile,
            now=now,
            min_read_factor=settings.lesson_min_read_factor,
        )
        # Paid in this transaction: the lesson is completed with its rewards or not at all.
        rewards, wallet = await pay_rewards(
            db,
            caller,
            settings,
            completion.events,
            now=now,
            locale=locale,
        )
        newly_completed = any(isinstance(e, LessonCompleted) for e in completion.events)
        if newly_completed:
            count_on_commit(db, LESSONS_COMPLETED)
        return LessonCompletionOut(
            lesson_id=lesson_id,
            completed=True,
            newly_completed=newly_completed,
            course_completed=any(isinstance(e, CourseCompleted) for e in completion.events),
            rewards=rewards,
            wallet=wallet,
        )

    @post(
        "/lessons/{lesson_id:uuid}/quiz-attempts",
        operation_id="submitQuizAttempt",
        status_code=200,
        summary="Submit answers to a lesson's quiz; graded on the server",
        description="Every question must be answered: otherwise 422 `unanswered-questions` "
        "naming them, and no attempt is used. At most `QUIZ_DAILY_ATTEMPTS` attempts per quiz "
        "per business day (midnight to midnight in the server's `BUSINESS_TIMEZONE`, "
        "Asia/Shanghai by default, whatever the caller's time zone); beyond that 429 with "
        "Retry-After, the seconds to the next business day. `perfect` describes this attempt; "
        "the `quiz_perfect` reward is paid only for a perfect first attempt at the quiz (every "
        "attempt shows the answers), `quiz_passed` for the first pass.",
        responses=problem_responses(400, 401, 403, 404, 422, 429),
        # One statement reads the lesson, grades, records and pays the attempt: a transaction
        # around it would add BEGIN and COMMIT and buy nothing.
        opt=DRIVER_ONLY,
    )
    async def quiz_attempt(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        lesson_id: FromPath[uuid.UUID],
        data: JSONBody[QuizAttemptIn],
        locale: NamedDependency[str],
    ) -> QuizAttemptOut:
        # Any graded attempt counts the learner's day for the streak, passed or not.
        outcome, rewards, wallet = await pay_quiz_attempt(
            db, caller, settings, lesson_id, data.answers, now=clock.now(), locale=locale
        )
        count_on_commit(db, QUIZ_ATTEMPTS.labels("passed" if outcome.passed else "failed"))
        return QuizAttemptOut(
            attempt_id=outcome.attempt_id,
            score=outcome.score,
            max_score=outcome.max_score,
            passed=outcome.passed,
            perfect=outcome.score == outcome.max_score,
            results=[
                QuestionResultOut(r.question_id, r.correct, r.correct_choice_ids, r.explanation)
                for r in outcome.results
            ],
            attempts_left_today=outcome.attempts_left_today,
            rewards=rewards,
            wallet=wallet,
        )

    @get(
        "/me/progress",
        operation_id="getMyProgress",
        summary="The caller's progress per course and recent activity",
        responses=problem_responses(400, 401, 422),
        opt=AUTOCOMMIT,
    )
    async def progress(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        locale: NamedDependency[str],
    ) -> MyProgressOut:
        overview = await my_progress(db, user_id=caller.user_id, locale=locale)
        return MyProgressOut(
            courses=msgspec.convert(
                overview.courses, list[CourseProgressOut], from_attributes=True
            ),
            recent_activity=await activity_out(db, overview.recent_activity, locale=locale),
            streak=await streak_out(db, caller, settings, now=clock.now()),
        )
