"""Domain errors: each has a stable `code` the API turns into a problem `type`.

The HTTP status is chosen in `api/`, from the error's `kind`, never here.

Raising rolls the request's transaction back. A refusal whose records must survive it (a failed
login counted for throttling, the audit of a refused partner call, a stored idempotent answer)
raises `CommittedRefusal` instead: the transaction's owner commits, then answers with the error.
"""

from enum import StrEnum
from typing import ClassVar

FieldErrors = tuple[tuple[str, str], ...]  # (field, message) pairs


class ErrorKind(StrEnum):
    INVALID = "invalid"  # the request is well-formed but breaks a rule
    UNAUTHENTICATED = "unauthenticated"  # the credentials are wrong or no longer valid
    NOT_FOUND = "not-found"  # absent, or not the caller's
    FORBIDDEN = "forbidden"  # the caller may not do this
    CONFLICT = "conflict"  # the current state does not allow it
    TOO_MANY = "too-many"  # a rate or attempt limit


class DomainError(Exception):
    code: ClassVar[str] = "domain-error"
    kind: ClassVar[ErrorKind] = ErrorKind.CONFLICT
    title: ClassVar[str] = "The request conflicts with the current state"

    def __init__(
        self,
        detail: str,
        *,
        errors: FieldErrors | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors  # each field at fault, when the error is about named fields
        self.retry_after_seconds = retry_after_seconds


class CommittedRefusal(Exception):
    """Refuse with `error`, and still commit what the request wrote before refusing."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.detail)
        self.error = error
