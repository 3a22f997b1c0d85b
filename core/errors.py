"""Domain errors: each has a stable `code` the API turns into a problem `type`.

The HTTP status is chosen in `api/`, from the error's `kind`, never here.
"""

from enum import StrEnum
from typing import ClassVar


class ErrorKind(StrEnum):
    INVALID = "invalid"  # the request is well-formed but breaks a rule
    NOT_FOUND = "not-found"  # absent, or not the caller's
    FORBIDDEN = "forbidden"  # the caller may not do this
    CONFLICT = "conflict"  # the current state does not allow it
    TOO_MANY = "too-many"  # a rate or attempt limit


class DomainError(Exception):
    code: ClassVar[str] = "domain-error"
    kind: ClassVar[ErrorKind] = ErrorKind.CONFLICT
    title: ClassVar[str] = "The request conflicts with the current state"

    def __init__(self, detail: str, *, retry_after_seconds: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after_seconds = retry_after_seconds
