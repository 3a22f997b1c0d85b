"""The learning domain's errors; `api/` turns each `kind` into an HTTP status."""

from core.errors import DomainError, ErrorKind


class CourseNotFound(DomainError):
    code = "course-not-found"
    kind = ErrorKind.NOT_FOUND
    title = "Course not found"


class LessonNotFound(DomainError):
    code = "lesson-not-found"
    kind = ErrorKind.NOT_FOUND
    title = "Lesson not found"


class CourseLocked(DomainError):
    """The caller may not take the course yet; `code` says why."""

    kind = ErrorKind.FORBIDDEN
    title = "This course is locked"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code  # type: ignore[misc]  # the lock reason is the problem type


class LessonNotOpened(DomainError):
    code = "lesson-not-opened"
    kind = ErrorKind.CONFLICT
    title = "Open the lesson before completing it"


class LessonReadTooFast(DomainError):
    code = "lesson-read-too-fast"
    kind = ErrorKind.CONFLICT
    title = "The lesson was completed faster than it can be read"


class InvalidAnswers(DomainError):
    """Answers that name unknown questions or choices, or the wrong number of choices."""

    code = "invalid-answers"
    kind = ErrorKind.INVALID
    title = "The answers do not fit the quiz"

    def __init__(self, errors: list[tuple[str, str]], detail: str | None = None) -> None:
        super().__init__(
            detail or f"{len(errors)} answer(s) do not fit the quiz.", errors=tuple(errors)
        )


class UnansweredQuestions(InvalidAnswers):
    """A submission that leaves questions unanswered: refused before it takes an attempt, so
    a client bug cannot spend the learner's attempts."""

    code = "unanswered-questions"
    title = "Answer every question of the quiz"

    def __init__(self, question_ids: list[str]) -> None:
        super().__init__(
            [(f"answers.{qid}", "not answered") for qid in question_ids],
            f"Every question needs an answer; not answered: {', '.join(question_ids)}.",
        )


class QuizAttemptsExhausted(DomainError):
    code = "quiz-attempts-exhausted"
    kind = ErrorKind.TOO_MANY
    title = "No quiz attempts left today"


class NoDraftVersion(DomainError):
    code = "no-draft-version"
    kind = ErrorKind.CONFLICT
    title = "There is no draft version to publish"


class CourseVersionNotFound(DomainError):
    code = "course-version-not-found"
    kind = ErrorKind.NOT_FOUND
    title = "Course version not found"


class VersionAlreadyPublished(DomainError):
    code = "version-already-published"
    kind = ErrorKind.CONFLICT
    title = "This version is already the published one"


class CourseNotPublished(DomainError):
    code = "course-not-published"
    kind = ErrorKind.CONFLICT
    title = "The course has no published version"
