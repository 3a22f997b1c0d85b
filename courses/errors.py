"""The learning domain's errors; `api/` turns each `kind` into an HTTP status, and the message
catalogue (`core/messages`) gives each code its title and each message its detail."""

from collections.abc import Sequence
from typing import Any

from core.errors import DomainError, ErrorKind


class CourseNotFound(DomainError):
    code = "course-not-found"
    kind = ErrorKind.NOT_FOUND


class PublishedCourseNotFound(CourseNotFound):
    message = "published-course-not-found"


class LessonNotFound(DomainError):
    code = "lesson-not-found"
    kind = ErrorKind.NOT_FOUND


class LessonNotInVersion(LessonNotFound):
    message = "lesson-not-in-version"


class CourseLocked(DomainError):
    """The caller may not take the course yet; the lock reason is the problem type, and the
    problem names it in `reason` too, with what the course asks for."""

    kind = ErrorKind.FORBIDDEN

    def __init__(
        self, reason: str, *, missing_prerequisites: Sequence[str] = (), **params: Any
    ) -> None:
        self.code = reason  # type: ignore[misc]  # the lock reason is the problem type
        self.missing_prerequisites = list(missing_prerequisites)
        super().__init__(**params)

    @property
    def message_key(self) -> str:
        return f"course-locked.{self.code}"

    def problem_fields(self) -> dict[str, object]:
        return {"reason": self.code, "missing_prerequisites": self.missing_prerequisites}


class LessonNotOpened(DomainError):
    code = "lesson-not-opened"
    kind = ErrorKind.CONFLICT


class LessonReadTooFast(DomainError):
    code = "lesson-read-too-fast"
    kind = ErrorKind.CONFLICT


class InvalidAnswers(DomainError):
    """Answers that name unknown questions or choices, or the wrong number of choices."""

    code = "invalid-answers"
    kind = ErrorKind.INVALID

    def __init__(self, errors: list[tuple[str, str]], **params: Any) -> None:
        super().__init__(errors=tuple(errors), **{"count": len(errors), **params})


class UnansweredQuestions(InvalidAnswers):
    """A submission that leaves questions unanswered: refused before it takes an attempt, so
    a client bug cannot spend the learner's attempts."""

    code = "unanswered-questions"

    def __init__(self, question_ids: list[str]) -> None:
        super().__init__(
            [(f"answers.{qid}", "not answered") for qid in question_ids],
            questions=", ".join(question_ids),
        )


class QuizAttemptsExhausted(DomainError):
    code = "quiz-attempts-exhausted"
    kind = ErrorKind.TOO_MANY


class NoDraftVersion(DomainError):
    code = "no-draft-version"
    kind = ErrorKind.CONFLICT


class CourseVersionNotFound(DomainError):
    code = "course-version-not-found"
    kind = ErrorKind.NOT_FOUND


class VersionAlreadyPublished(DomainError):
    code = "version-already-published"
    kind = ErrorKind.CONFLICT


class CourseNotPublished(DomainError):
    code = "course-not-published"
    kind = ErrorKind.CONFLICT
