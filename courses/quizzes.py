"""Quiz attempts: graded on the server, capped per quiz per learner per day.

A submission must answer every question; one that does not is refused before it takes an
attempt. The cap is a counter row per (learner, quiz, day) raised by one conditional upsert,
so concurrent attempts beyond the cap fail exactly, with no count-then-insert race. Only the
first pass, and a perfect score at the learner's first attempt, become events (answers are
shown after every attempt, so a later perfect score proves nothing), recorded on the
learner's lesson row with the same kind of conditional write.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.days import local_day, seconds_until_next_day
from core.ids import new_id
from courses.access import LessonContext, lesson_context
from courses.errors import InvalidAnswers, QuizAttemptsExhausted, UnansweredQuestions
from courses.events import LearningEvent, QuizPassed, QuizPerfect
from courses.grading import AnswerKey, Grade, answer_problems, grade, unanswered_questions
from courses.models import LessonProgress, QuizAttempt, QuizDay


@dataclass(frozen=True)
class QuestionOutcome:
    question_id: str
    correct: bool
    correct_choice_ids: list[str]
    explanation: str


@dataclass(frozen=True)
class QuizOutcome:
    attempt_id: uuid.UUID
    score: int
    max_score: int
    passed: bool
    results: list[QuestionOutcome]
    attempts_left_today: int
    events: list[LearningEvent]


async def submit_quiz(
    db: AsyncSession,
    lesson_id: uuid.UUID,
    *,
    user_id: uuid.UUID,
    risk_profile: str | None,
    timezone: str,
    locale: str,
    answers: Mapping[str, Sequence[str]],
    now: datetime,
    daily_attempts: int,
) -> QuizOutcome:
    """Grade and record one attempt; `timezone` is the zone whose calendar day the daily cap
    counts (the API passes the business time zone)."""
    context = await lesson_context(
        db, lesson_id, user_id=user_id, locale=locale, explanations_only=True
    )
    context.ensure_unlocked(risk_profile)
    key = AnswerKey.from_json(context.answer_key)
    _check_answers(key, answers)
    result = grade(key, answers)
    attempt_id = new_id()
    used = await _take_and_record_attempt(
        db,
        context,
        key,
        answers,
        result,
        attempt_id=attempt_id,
        user_id=user_id,
        day=local_day(now, timezone),
        cap=daily_attempts,
        now=now,
    )
    if used is None:
        raise QuizAttemptsExhausted(
            attempts=daily_attempts, retry_after_seconds=seconds_until_next_day(now, timezone)
        )
    events = await _first_pass_events(
        db, context, result, user_id=user_id, attempt_id=attempt_id, now=now
    )
    return QuizOutcome(
        attempt_id=attempt_id,
        score=result.score,
        max_score=result.max_score,
        passed=result.passed,
        results=_outcomes(context, result),
        attempts_left_today=daily_attempts - used,
        events=events,
    )


def _check_answers(key: AnswerKey, answers: Mapping[str, Sequence[str]]) -> None:
    problems = answer_problems(key, answers)
    if problems:
        raise InvalidAnswers(problems)
    unanswered = unanswered_questions(key, answers)
    if unanswered:
        raise UnansweredQuestions(unanswered)


def _take_and_record() -> Any:
    """Take one attempt from today's allowance and store the attempt, in one statement: the
    attempt row is inserted from the counter's RETURNING, so only when one was left. The
    upsert locks the counter row, so concurrent attempts queue on it. Built once, with bound
    parameters (named unlike the columns, which SQLAlchemy reserves for VALUES)."""
    day: sa.Table = QuizDay.__table__  # type: ignore[attr-defined]
    attempt: sa.Table = QuizAttempt.__table__  # type: ignore[attr-defined]
    user = sa.bindparam("user", type_=sa.Uuid())
    lesson = sa.bindparam("lesson", type_=sa.Uuid())
    taken = (
        insert(day)
        .values(
            user_id=user,
            lesson_id=lesson,
            attempted_on=sa.bindparam("day", type_=sa.Date()),
            attempts=1,
        )
        .on_conflict_do_update(
            index_elements=["user_id", "lesson_id", "attempted_on"],
            set_={"attempts": day.c.attempts + 1},
            where=day.c.attempts < sa.bindparam("cap", type_=sa.Integer()),
        )
        .returning(day.c.attempts)
        .cte("taken")
    )
    stored = ("id", "version_id", "answers", "correct_question_ids", "score", "max_score")
    recorded = (
        sa.insert(attempt)
        .from_select(
            ["user_id", "lesson_id", *stored, "passed", "created_at"],
            sa.select(
                user,
                lesson,
                *(sa.bindparam(f"new_{name}", type_=attempt.c[name].type) for name in stored),
                sa.bindparam("new_passed", type_=sa.Boolean()),
                sa.bindparam("new_created_at", type_=attempt.c.created_at.type),
            ).select_from(taken),
        )
        .cte("recorded")
    )
    return sa.select(taken.c.attempts).add_cte(recorded)


_TAKE_AND_RECORD = _take_and_record()


async def _take_and_record_attempt(
    db: AsyncSession,
    context: LessonContext,
    key: AnswerKey,
    answers: Mapping[str, Sequence[str]],
    result: Grade,
    *,
    attempt_id: uuid.UUID,
    user_id: uuid.UUID,
    day: date,
    cap: int,
    now: datetime,
) -> int | None:
    """The attempts used today with this one, or None if none was left (nothing stored).
    The attempt keeps every question's answer, for the stats."""
    params = {
        "user": user_id,
        "lesson": context.lesson_id,
        "day": day,
        "cap": cap,
        "new_id": attempt_id,
        "new_version_id": context.version_id,
        "new_answers": {q.id: list(answers.get(q.id, ())) for q in key.questions},
        "new_correct_question_ids": [r.question_id for r in result.results if r.correct],
        "new_score": result.score,
        "new_max_score": result.max_score,
        "new_passed": result.passed,
        "new_created_at": now,
    }
    used: int | None = (await db.execute(_TAKE_AND_RECORD, params)).scalar_one_or_none()
    return used


def _record_first_pass() -> Any:
    """Record the attempt as the lesson's first pass (and first perfect score) unless one is
    recorded already; returns the recorded ones. Built once, with bound parameters."""
    progress: sa.Table = LessonProgress.__table__  # type: ignore[attr-defined]
    passed_by = sa.bindparam("passed_by", type_=sa.Uuid())
    perfect_by = sa.bindparam("perfect_by", type_=sa.Uuid())
    return (
        insert(progress)
        .values(
            user_id=sa.bindparam("user", type_=sa.Uuid()),
            lesson_id=sa.bindparam("lesson", type_=sa.Uuid()),
            course_id=sa.bindparam("course", type_=sa.Uuid()),
            quiz_passed_attempt_id=passed_by,
            quiz_perfect_attempt_id=perfect_by,
        )
        .on_conflict_do_update(
            index_elements=["user_id", "lesson_id"],
            set_={
                "quiz_passed_attempt_id": sa.func.coalesce(
                    progress.c.quiz_passed_attempt_id, passed_by
                ),
                "quiz_perfect_attempt_id": sa.func.coalesce(
                    progress.c.quiz_perfect_attempt_id, perfect_by
                ),
            },
        )
        .returning(progress.c.quiz_passed_attempt_id, progress.c.quiz_perfect_attempt_id)
    )


_RECORD_FIRST_PASS = _record_first_pass()


async def _first_pass_events(
    db: AsyncSession,
    context: LessonContext,
    result: Grade,
    *,
    user_id: uuid.UUID,
    attempt_id: uuid.UUID,
    now: datetime,
) -> list[LearningEvent]:
    perfect = (
        result.perfect
        and not context.quiz_perfect
        and await _is_first_attempt(db, context, user_id=user_id, attempt_id=attempt_id)
    )
    if not result.passed or (context.quiz_passed and not perfect):
        return []  # nothing new to record; the upsert below settles concurrent first passes
    params = {
        "user": user_id,
        "lesson": context.lesson_id,
        "course": context.course_id,
        "passed_by": attempt_id,
        "perfect_by": attempt_id if perfect else None,
    }
    recorded = (await db.execute(_RECORD_FIRST_PASS, params)).one()
    events: list[LearningEvent] = []
    slug = context.course_slug
    if recorded.quiz_passed_attempt_id == attempt_id:
        events.append(
            QuizPassed(
                user_id, context.lesson_id, slug, attempt_id, result.score, result.max_score, now
            )
        )
    if recorded.quiz_perfect_attempt_id == attempt_id:
        events.append(QuizPerfect(user_id, context.lesson_id, slug, attempt_id, result.score, now))
    return events


async def _is_first_attempt(
    db: AsyncSession, context: LessonContext, *, user_id: uuid.UUID, attempt_id: uuid.UUID
) -> bool:
    """Whether the learner had no attempt at this quiz before this one, in any version. Two
    attempts of one day queue on the day's counter row, so the later one sees the earlier."""
    earlier = sa.exists().where(
        col(QuizAttempt.user_id) == user_id,
        col(QuizAttempt.lesson_id) == context.lesson_id,
        col(QuizAttempt.id) != attempt_id,
    )
    return not await db.scalar(sa.select(earlier))


def _outcomes(context: LessonContext, result: Grade) -> list[QuestionOutcome]:
    explanations = context.content.explanations if context.content else {}
    return [
        QuestionOutcome(
            question_id=r.question_id,
            correct=r.correct,
            correct_choice_ids=list(r.correct_choice_ids),
            explanation=str(explanations.get(r.question_id, "")),
        )
        for r in result.results
    ]
