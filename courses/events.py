"""What learning produces for the rest of the app: the rewards domain turns these into points.

Services return events instead of calling rewards, so `courses` depends on nothing; the api
layer hands them on in the same transaction. Each event happens at most once per learner and
object, and `key` names that occurrence (an idempotency key for whoever pays out on it).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LessonCompleted:
    user_id: uuid.UUID
    lesson_id: uuid.UUID
    course_slug: str
    lesson_slug: str
    occurred_at: datetime

    @property
    def key(self) -> str:
        return f"lesson:{self.user_id}:{self.lesson_id}"


@dataclass(frozen=True)
class QuizPassed:
    user_id: uuid.UUID
    lesson_id: uuid.UUID
    course_slug: str
    attempt_id: uuid.UUID
    score: int
    max_score: int
    occurred_at: datetime

    @property
    def key(self) -> str:
        return f"quiz-passed:{self.user_id}:{self.lesson_id}"


@dataclass(frozen=True)
class QuizPerfect:
    user_id: uuid.UUID
    lesson_id: uuid.UUID
    course_slug: str
    attempt_id: uuid.UUID
    score: int
    occurred_at: datetime

    @property
    def key(self) -> str:
        return f"quiz-perfect:{self.user_id}:{self.lesson_id}"


@dataclass(frozen=True)
class CourseCompleted:
    user_id: uuid.UUID
    course_id: uuid.UUID
    course_slug: str
    occurred_at: datetime

    @property
    def key(self) -> str:
        return f"course:{self.user_id}:{self.course_id}"


LearningEvent = LessonCompleted | QuizPassed | QuizPerfect | CourseCompleted
