"""Quiz attempts: graded on the server, capped per quiz per learner per day.

A submission must answer every question; one that does not is refused before it takes an
attempt. The cap is a counter row per (learner, quiz, day) raised by one conditional upsert,
so concurrent attempts beyond the cap fail exactly, with no count-then-insert race. Only the
first pass, and a perfect score at the learner's first attempt, become events (answers are
shown after every attempt, so a later perfect score proves nothing), recorded on the
learner's lesson row with the same kind of conditional write. Grading is done here; the
writes are one statement, the database function `quiz_attempt_record` (migration 0019).
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from core.days import local_day, seconds_until_next_day
from core.ids import new_id
from courses.access import LessonContext, lesson_context
from courses.errors import InvalidAnswers, QuizAttemptsExhausted, UnansweredQuestions
from courses.events import LearningEvent, QuizPassed, QuizPerfect
from courses.grading import AnswerKey, Grade, answer_problems, grade, unanswered_questions


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
    recorded = await _record_attempt(
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
    if recorded.attempts_used is None:
        raise QuizAttemptsExhausted(
            attempts=daily_attempts, retry_after_seconds=seconds_until_next_day(now, timezone)
        )
    events = _events(context, result, recorded, user_id=user_id, attempt_id=attempt_id, now=now)
    return QuizOutcome(
        attempt_id=attempt_id,
        score=result.score,
        max_score=result.max_score,
        passed=result.passed,
        results=_outcomes(context, result),
        attempts_left_today=daily_attempts - recorded.attempts_used,
        events=events,
    )


def _check_answers(key: AnswerKey, answers: Mapping[str, Sequence[str]]) -> None:
    problems = answer_problems(key, answers)
    if problems:
        raise InvalidAnswers(problems)
    unanswered = unanswered_questions(key, answers)
    if unanswered:
        raise UnansweredQuestions(unanswered)


# Built once: the attempt is this one call of its database function (migration 0019).
_RECORD = sa.text(
    "SELECT attempts_used, first_pass, first_perfect FROM quiz_attempt_record(:user_id, "
    ":lesson_id, :course_id, :version_id, :day, :cap, :attempt_id, :answers, :correct, :score, "
    ":max_score, :passed, :known_passed, :known_perfect, :now)"
).bindparams(sa.bindparam("answers", type_=JSONB), sa.bindparam("correct", type_=ARRAY(sa.Text())))


async def _record_attempt(
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
) -> Any:
    """Take one attempt from today's allowance, store the attempt (with every question's
    answer, for the stats) and record a first pass or first perfect score, in one statement.
    The row: attempts_used (None when none was left: nothing stored), first_pass,
    first_perfect."""
    params = {
        "user_id": user_id,
        "lesson_id": context.lesson_id,
        "course_id": context.course_id,
        "version_id": context.version_id,
        "day": day,
        "cap": cap,
        "attempt_id": attempt_id,
        "answers": {q.id: list(answers.get(q.id, ())) for q in key.questions},
        "correct": [r.question_id for r in result.results if r.correct],
        "score": result.score,
        "max_score": result.max_score,
        "passed": result.passed,
        "known_passed": context.quiz_passed,
        "known_perfect": context.quiz_perfect,
        "now": now,
    }
    return (await db.execute(_RECORD, params)).one()


def _events(
    context: LessonContext,
    result: Grade,
    recorded: Any,
    *,
    user_id: uuid.UUID,
    attempt_id: uuid.UUID,
    now: datetime,
) -> list[LearningEvent]:
    events: list[LearningEvent] = []
    slug = context.course_slug
    if recorded.first_pass:
        events.append(
            QuizPassed(
                user_id, context.lesson_id, slug, attempt_id, result.score, result.max_score, now
            )
        )
    if recorded.first_perfect:
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
