"""Contest errors, each with the stable code the API turns into a problem `type`.

A well-formed order that breaks a market rule is not an error: it is a rejected order with a
reason (see rules.RejectReason), so the app can list it.
"""

from core.errors import DomainError, ErrorKind


class ContestNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "contest-not-found"


class NotJoined(DomainError):
    code = "not-joined"
    kind = ErrorKind.NOT_FOUND


class OrderNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "order-not-found"


class AlreadyJoined(DomainError):
    code = "already-joined"
    kind = ErrorKind.CONFLICT


class ContestFull(DomainError):
    code = "contest-full"
    kind = ErrorKind.CONFLICT


class RegistrationClosed(DomainError):
    """Raised with `reason`: `finished`, `registration-ended` or `no-late-entry` (a field of the
    problem, for the app to choose its words)."""

    code = "registration-closed"
    kind = ErrorKind.CONFLICT

    @property
    def message_key(self) -> str:
        return f"{self.code}.{self.params['reason']}"

    def problem_fields(self) -> dict[str, object]:
        return {"reason": self.params["reason"]}


class ContestStarted(DomainError):
    code = "contest-started"
    kind = ErrorKind.CONFLICT


class OrderNotOpen(DomainError):
    code = "order-not-open"
    kind = ErrorKind.CONFLICT


class ClientOrderIdReused(DomainError):
    code = "client-order-id-reused"
    kind = ErrorKind.CONFLICT


class OrderRateLimited(DomainError):
    code = "rate-limited"
    kind = ErrorKind.TOO_MANY
    message = "too-many-orders"


class InvalidContest(DomainError):
    """Contest fields that break a rule; `errors` names each field, for a 422 problem."""

    code = "validation-error"
    kind = ErrorKind.INVALID

    message = "contest-not-valid"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors=tuple(errors))
