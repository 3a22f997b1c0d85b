"""Accounts errors: domain errors, mapped to problems by `api.problems` like every other area's."""

from core.errors import DomainError, ErrorKind, FieldErrors


class WrongCredentials(DomainError):
    code = "unauthorized"
    kind = ErrorKind.UNAUTHENTICATED
    title = "Unauthorized"

    def __init__(self) -> None:
        super().__init__("The email or password is not correct.")


class RefreshRefused(DomainError):
    """Whatever the reason (unknown, expired, spent, logged out), the app's next step is the
    same: log in again."""

    code = "session-ended"
    kind = ErrorKind.UNAUTHENTICATED
    title = "Unauthorized"

    def __init__(self) -> None:
        super().__init__(
            "The refresh token is invalid, expired or already used. Please log in again."
        )


class WrongCurrentPassword(DomainError):
    code = "validation-error"
    kind = ErrorKind.INVALID
    title = "The request is not valid"

    def __init__(self) -> None:
        super().__init__(
            "The current password is not correct.",
            errors=(("current_password", "incorrect"),),
        )


class InvalidAccountFields(DomainError):
    """Account input that breaks a rule; `errors` names each field at fault."""

    code = "validation-error"
    kind = ErrorKind.INVALID
    title = "The request is not valid"

    def __init__(self, detail: str, errors: FieldErrors) -> None:
        super().__init__(detail, errors=errors)


class InvalidEmail(InvalidAccountFields):
    def __init__(self, reason: str) -> None:
        super().__init__("The email address is not valid.", (("email", reason),))


class WeakPassword(InvalidAccountFields):
    def __init__(self, problem: str, *, field: str) -> None:
        super().__init__(f"The password {problem}.", ((field, problem),))


class InvalidDisplayName(InvalidAccountFields):
    def __init__(self, problem: str) -> None:
        super().__init__(f"The display name {problem}.", (("display_name", problem),))


class InvalidProfile(InvalidAccountFields):
    def __init__(self, errors: FieldErrors) -> None:
        super().__init__("Some fields are not valid.", errors)


class InvalidAssessment(InvalidAccountFields):
    def __init__(self, errors: FieldErrors) -> None:
        super().__init__("The answers are incomplete or invalid.", errors)


class EmailTaken(DomainError):
    code = "email-taken"
    kind = ErrorKind.CONFLICT
    title = "Conflict"

    def __init__(self) -> None:
        super().__init__("An account with this email already exists.")


class Throttled(DomainError):
    """Too many sign-ups from one address, or too many wrong passwords: try again later."""

    code = "rate-limited"
    kind = ErrorKind.TOO_MANY
    title = "Too many requests"


class RecentLoginRequired(DomainError):
    code = "recent-login-required"
    kind = ErrorKind.FORBIDDEN
    title = "You are not allowed to do this"

    def __init__(self) -> None:
        super().__init__("Deleting your account cannot be undone: log in again, then delete it.")
