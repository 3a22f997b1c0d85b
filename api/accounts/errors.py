"""Accounts errors: domain errors, mapped to problems by `api.problems` like every other area's."""

from core.errors import DomainError, ErrorKind


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
