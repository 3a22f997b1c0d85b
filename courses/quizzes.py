"""Quiz attempts: graded on the server, capped per quiz per learner per day.

The cap is a counter row per (learner, quiz, local day) raised by one conditional upsert, so
concurrent attempts beyond the cap fail exactly, with no count-then-insert race. Only the
first pass and the first perfect score of a quiz become events, recorded on the learner's
lesson row with the same kind of conditional write.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from courses.access import LessonContext, lesson_context
from courses.days import local_day, seconds_until_next_day
from courses.errors import InvalidAnswers, QuizAttemptsExhausted
from courses.events import LearningEvent, QuizPassed, QuizPerfect
from courses.grading import AnswerKey, Grade, answer_problems, grade
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
    context = await lesson_context(
        db, lesson_id, user_id=user_id, locale=locale, explanations_only=True
    )
    context.ensure_unlocked(risk_profile)
    key = AnswerKey.from_json(context.answer_key)
    problems = answer_problems(key, answers)
    if problems:
        raise InvalidAnswers(problems)
    used = await _count_attempt(
        db, user_id=user_id, lesson_id=lesson_id, day=local_day(now, timezone), cap=daily_attempts
    )
    if used is None:
        raise QuizAttemptsExhausted(
            f"You have used all {daily_attempts} attempts at this quiz today; try again tomorrow.",
            retry_after_seconds=seconds_until_next_day(now, timezone),
        )
    result = grade(key, answers)
    attempt_id = await _record_attempt(db, context, key, answers, result, user_id=user_id, now=now)
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


async def _record_attempt(
    db: AsyncSession,
    context: LessonContext,
    key: AnswerKey,
    answers: Mapping[str, Sequence[str]],
    result: Grade,
    *,
    user_id: uuid.UUID,
    now: datetime,
) -> uuid.UUID:
    """Store the attempt with every question's answer (unanswered: []), for the stats."""
    attempt_id = new_id()
    await db.execute(
        insert(QuizAttempt).values(
            id=attempt_id,
            user_id=user_id,
            lesson_id=context.lesson_id,
            version_id=context.version_id,
            answers={q.id: list(answers.get(q.id, ())) for q in key.questions},
            correct_question_ids=[r.question_id for r in result.results if r.correct],
            score=result.score,
            max_score=result.max_score,
            passed=result.passed,
            created_at=now,
        )
    )
    return attempt_id


async def _count_attempt(
    db: AsyncSession, *, user_id: uuid.UUID, lesson_id: uuid.UUID, day: date, cap: int
) -> int | None:
    """Take one attempt from today's allowance: the attempts used so far, or None if none
    was left. The upsert locks the counter row, so concurrent attempts queue on it."""
    statement = (
        insert(QuizDay)
        .values(user_id=user_id, lesson_id=lesson_id, attempted_on=day, attempts=1)
        .on_conflict_do_update(
            index_elements=["user_id", "lesson_id", "attempted_on"],
            set_={"attempts": col(QuizDay.attempts) + 1},
            where=col(QuizDay.attempts) < cap,
        )
        .returning(col(QuizDay.attempts))
    )
    used: int | None = (await db.execute(statement)).scalar_one_or_none()
    return used


async def _first_pass_events(
    db: AsyncSession,
    context: LessonContext,
    result: Grade,
    *,
    user_id: uuid.UUID,
    attempt_id: uuid.UUID,
    now: datetime,
) -> list[LearningEvent]:
    if not result.passed or (context.quiz_passed and (context.quiz_perfect or not result.perfect)):
        return []  # nothing new to record; the upsert below settles concurrent first passes
    perfect_id = attempt_id if result.perfect else None
    statement = (
        insert(LessonProgress)
        .values(
            user_id=user_id,
            lesson_id=context.lesson_id,
            course_id=context.course_id,
            quiz_passed_attempt_id=attempt_id,
            quiz_perfect_attempt_id=perfect_id,
        )
        .on_conflict_do_update(
            index_elements=["user_id", "lesson_id"],
            set_={
                "quiz_passed_attempt_id": sa.func.coalesce(
                    col(LessonProgress.quiz_passed_attempt_id), attempt_id
                ),
                "quiz_perfect_attempt_id": sa.func.coalesce(
                    col(LessonProgress.quiz_perfect_attempt_id), perfect_id
                ),
            },
        )
        .returning(
            col(LessonProgress.quiz_passed_attempt_id),
            col(LessonProgress.quiz_perfect_attempt_id),
        )
    )
    recorded = (await db.execute(statement)).one()
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
