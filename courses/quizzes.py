"""Quiz attempts: graded on the server, capped per quiz per learner per day.

A submission must answer every question; one that does not is refused before it takes an
attempt. The cap is a counter row per (learner, quiz, day) raised by one conditional upsert,
so concurrent attempts beyond the cap fail exactly, with no count-then-insert race. Only the
first pass, and a perfect score at the learner's first attempt, become events (answers are
shown after every attempt, so a later perfect score proves nothing), recorded on the
learner's lesson row with the same kind of conditional write.

An attempt is one statement (`gamification/rewards/quizzes.py`): the lesson's read, and on its
row the database function `quiz_attempt_grade_submit` (migration 0047), which grades the
answers with `quiz_grade` (`courses/grading.py` in SQL, held equal to it by a test) and, for a
lesson the caller may take and answers that fit, records and pays the attempt
(`quiz_attempt_submit`). `graded_attempt` turns what it answered into a `GradedQuiz`, or into
the refusal Python words: the lock, or every problem of the answers, named from the answer key
the statement read. `GradedQuiz.outcome` then gives the attempt's outcome and events.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.days import seconds_until_next_day
from courses.access import LessonContext, lesson_context_of
from courses.errors import (
    InvalidAnswers,
    LessonNotFound,
    QuizAttemptsExhausted,
    UnansweredQuestions,
)
from courses.events import LearningEvent, QuizPassed, QuizPerfect
from courses.grading import (
    AnswerKey,
    Grade,
    QuestionResult,
    answer_problems,
    unanswered_questions,
)


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


@dataclass(frozen=True)
class Recorded:
    """What recording an attempt answered: the day's attempts with it (None when none was
    left: nothing stored), and whether it is the lesson's first pass / first perfect score."""

    attempts_used: int | None
    first_pass: bool
    first_perfect: bool


@dataclass(frozen=True)
class GradedQuiz:
    """An attempt graded and recorded: the lesson as read with it, the grade, and the attempt's
    id."""

    context: LessonContext
    result: Grade
    attempt_id: uuid.UUID

    def outcome(
        self,
        recorded: Recorded,
        *,
        user_id: uuid.UUID,
        timezone: str,
        now: datetime,
        daily_attempts: int,
    ) -> QuizOutcome:
        """The attempt's outcome once recorded; QuizAttemptsExhausted when it could not be
        (`timezone`: the zone whose calendar day the cap counts)."""
        if recorded.attempts_used is None:
            raise QuizAttemptsExhausted(
                attempts=daily_attempts, retry_after_seconds=seconds_until_next_day(now, timezone)
            )
        return QuizOutcome(
            attempt_id=self.attempt_id,
            score=self.result.score,
            max_score=self.result.max_score,
            passed=self.result.passed,
            results=_outcomes(self.context, self.result),
            attempts_left_today=daily_attempts - recorded.attempts_used,
            events=_events(
                self.context,
                self.result,
                recorded,
                user_id=user_id,
                attempt_id=self.attempt_id,
                now=now,
            ),
        )


def graded_attempt(
    row: Any,
    lesson_id: uuid.UUID,
    *,
    risk_profile: str | None,
    answers: Mapping[str, Sequence[str]],
    attempt_id: uuid.UUID,
) -> tuple[GradedQuiz, Recorded]:
    """The attempt as `quiz_attempt_grade_submit` answered it, on the row of the lesson's read
    (None: the lesson is not published). A locked course, answers that do not fit the quiz or
    leave a question unanswered are refused here, as the function refused them."""
    if row is None:
        raise LessonNotFound(lesson_id=lesson_id)
    context = lesson_context_of(row, lesson_id, with_text=True)
    key = AnswerKey.from_json(context.answer_key)
    if row.outcome == "locked":
        context.ensure_unlocked(risk_profile)
    elif row.outcome == "invalid":
        _check_answers(key, answers)
    if row.outcome != "recorded":
        raise AssertionError(f"the database refused the attempt ({row.outcome}), Python did not")
    right = set(row.correct)
    results = tuple(
        QuestionResult(question.id, question.id in right, question.correct)
        for question in key.questions
    )
    result = Grade(row.score, row.max_score, row.passed, results)
    recorded = Recorded(row.attempts_used, bool(row.first_pass), bool(row.first_perfect))
    return GradedQuiz(context, result, attempt_id), recorded


def _check_answers(key: AnswerKey, answers: Mapping[str, Sequence[str]]) -> None:
    problems = answer_problems(key, answers)
    if problems:
        raise InvalidAnswers(problems)
    unanswered = unanswered_questions(key, answers)
    if unanswered:
        raise UnansweredQuestions(unanswered)


def _events(
    context: LessonContext,
    result: Grade,
    recorded: Recorded,
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
