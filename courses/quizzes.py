"""Quiz attempts: graded on the server, capped per quiz per learner per day.

A submission must answer every question; one that does not is refused before it takes an
attempt. The cap is a counter row per (learner, quiz, day) raised by one conditional upsert,
so concurrent attempts beyond the cap fail exactly, with no count-then-insert race. Only the
first pass, and a perfect score at the learner's first attempt, become events (answers are
shown after every attempt, so a later perfect score proves nothing), recorded on the
learner's lesson row with the same kind of conditional write.

Grading is done here, on one read of the lesson (`grade_quiz`). The writes are the database
function `quiz_attempt_record` (migration 0019), which the rewards area calls inside
`quiz_attempt_submit` with everything the attempt pays (`gamification/rewards/quizzes.py`):
the route records and pays an attempt in one statement, and `GradedQuiz.outcome` turns what
it answered into the attempt's outcome and events.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.days import seconds_until_next_day
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


@dataclass(frozen=True)
class Recorded:
    """What recording an attempt answered: the day's attempts with it (None when none was
    left: nothing stored), and whether it is the lesson's first pass / first perfect score."""

    attempts_used: int | None
    first_pass: bool
    first_perfect: bool


@dataclass(frozen=True)
class GradedQuiz:
    """An attempt graded and not yet recorded: the lesson as read, the grade, and the columns
    its record needs (`record_params`)."""

    context: LessonContext
    key: AnswerKey
    answers: Mapping[str, Sequence[str]]
    result: Grade
    attempt_id: uuid.UUID

    def record_params(self, *, user_id: uuid.UUID, cap: int) -> dict[str, Any]:
        """The attempt as `quiz_attempt_record` takes it: every question's answer (for the
        stats), the questions answered right, the grade, and what the learner's progress row
        said already (a first pass or a first perfect score recorded before)."""
        context, result = self.context, self.result
        return {
            "user_id": user_id,
            "lesson_id": context.lesson_id,
            "course_id": context.course_id,
            "version_id": context.version_id,
            "cap": cap,
            "attempt_id": self.attempt_id,
            "answers": {q.id: list(self.answers.get(q.id, ())) for q in self.key.questions},
            "correct": [r.question_id for r in result.results if r.correct],
            "score": result.score,
            "max_score": result.max_score,
            "passed": result.passed,
            "known_passed": context.quiz_passed,
            "known_perfect": context.quiz_perfect,
        }

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


async def grade_quiz(
    db: AsyncSession,
    lesson_id: uuid.UUID,
    *,
    user_id: uuid.UUID,
    risk_profile: str | None,
    locale: str,
    answers: Mapping[str, Sequence[str]],
) -> GradedQuiz:
    """Read the lesson (its answer key, the explanations in `locale`, the caller's progress)
    and grade the answers: one read. A locked course, answers that do not fit the quiz or leave
    a question unanswered are refused here, before an attempt is taken."""
    context = await lesson_context(
        db, lesson_id, user_id=user_id, locale=locale, explanations_only=True
    )
    context.ensure_unlocked(risk_profile)
    key = AnswerKey.from_json(context.answer_key)
    _check_answers(key, answers)
    return GradedQuiz(context, key, answers, grade(key, answers), new_id())


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
