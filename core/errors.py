"""Domain errors: each has a stable `code` the API turns into a problem `type`.

The HTTP status is chosen in `api/`, from the error's `kind`, never here. An error carries no
prose: its title (by code) and detail (by `message`, else the code, filled with the named
parameters it was raised with) come from the message catalogue in the caller's locale; `str()`
and `detail` are English, for logs and the command line. `errors` names each field at fault.

Raising rolls the request's transaction back. A refusal whose records must survive it (a failed
login counted for throttling, the audit of a refused partner call, a stored idempotent answer)
raises `CommittedRefusal` instead: the transaction's owner commits, then answers with the error.
"""

from enum import StrEnum
from typing import Any, ClassVar

from core.messages import LOG_LOCALE, detail, title

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
    message: ClassVar[str] = ""  # the detail's catalogue key when it is not the code

    def __init__(
        self,
        *,
        errors: FieldErrors | None = None,
        retry_after_seconds: int | None = None,
        **params: Any,
    ) -> None:
        self.params = params
        self.errors = errors  # each field at fault, when the error is about named fields
        self.retry_after_seconds = retry_after_seconds
        super().__init__(self.detail)

    @property
    def message_key(self) -> str:
        return self.message or self.code

    @property
    def title(self) -> str:
        return title(self.code, LOG_LOCALE)

    @property
    def detail(self) -> str:
        return self.detail_in(LOG_LOCALE)

    def detail_in(self, locale: str) -> str:
        return detail(self.message_key, locale, self.params)

    def problem_fields(self) -> dict[str, object]:
        """Machine-readable members the problem carries besides its type (e.g. a `reason`)."""
        return {}


class CommittedRefusal(Exception):
    """Refuse with `error`, and still commit what the request wrote before refusing."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.detail)
        self.error = error


class KeyUsed(Exception):
    """A database function that claims an Idempotency-Key itself found it claimed before: the
    api replays the answer stored with it."""
