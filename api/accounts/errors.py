"""Accounts errors: domain errors, mapped to problems by `api.problems` like every other area's.
Their details come from the message catalogue (`core.messages`) by code or `message`."""

from core.errors import DomainError, ErrorKind, FieldErrors


class WrongCredentials(DomainError):
    code = "unauthorized"
    kind = ErrorKind.UNAUTHENTICATED
    message = "wrong-credentials"


class RefreshRefused(DomainError):
    """Whatever the reason (unknown, expired, spent, logged out), the app's next step is the
    same: log in again."""

    code = "session-ended"
    kind = ErrorKind.UNAUTHENTICATED
    message = "refresh-refused"


class WrongCurrentPassword(DomainError):
    code = "validation-error"
    kind = ErrorKind.INVALID
    message = "current-password-wrong"

    def __init__(self) -> None:
        super().__init__(errors=(("current_password", "incorrect"),))


class InvalidAccountFields(DomainError):
    """Account input that breaks a rule; `errors` names each field at fault."""

    code = "validation-error"
    kind = ErrorKind.INVALID
    message = "fields-not-valid"

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__(errors=errors)


class InvalidEmail(InvalidAccountFields):
    message = "email-not-valid"

    def __init__(self, reason: str) -> None:
        super().__init__((("email", reason),))


class WeakPassword(InvalidAccountFields):
    message = "password-not-valid"

    def __init__(self, problem: str, *, field: str) -> None:
        super().__init__(((field, problem),))


class InvalidDisplayName(InvalidAccountFields):
    message = "display-name-not-valid"

    def __init__(self, problem: str) -> None:
        super().__init__((("display_name", problem),))


class InvalidProfile(InvalidAccountFields):
    pass


class InvalidAssessment(InvalidAccountFields):
    message = "assessment-not-valid"


class EmailTaken(DomainError):
    code = "email-taken"
    kind = ErrorKind.CONFLICT


class Throttled(DomainError):
    """Too many sign-ups from one address, or too many wrong passwords: try again later."""

    code = "rate-limited"
    kind = ErrorKind.TOO_MANY


class LoginThrottled(Throttled):
    message = "too-many-failed-logins"


class PasswordChangeThrottled(Throttled):
    message = "too-many-wrong-passwords"


class SignupThrottled(Throttled):
    message = "too-many-signups"


class RecentLoginRequired(DomainError):
    code = "recent-login-required"
    kind = ErrorKind.FORBIDDEN
