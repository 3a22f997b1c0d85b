"""Contest errors, each with the stable code the API turns into a problem `type`.

A well-formed order that breaks a market rule is not an error: it is a rejected order with a
reason (see rules.RejectReason), so the app can list it.
"""

from core.errors import DomainError, ErrorKind


class ContestNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    title = "No such contest"


class NotJoined(DomainError):
    code = "not-joined"
    kind = ErrorKind.NOT_FOUND
    title = "You have not joined this contest"


class OrderNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    title = "No such order"


class AlreadyJoined(DomainError):
    code = "already-joined"
    kind = ErrorKind.CONFLICT
    title = "You have already joined this contest"


class ContestFull(DomainError):
    code = "contest-full"
    kind = ErrorKind.CONFLICT
    title = "This contest has as many entrants as it allows"


class RegistrationClosed(DomainError):
    code = "registration-closed"
    kind = ErrorKind.CONFLICT
    title = "This contest is not open for joining"


class ContestStarted(DomainError):
    code = "contest-started"
    kind = ErrorKind.CONFLICT
    title = "A contest can only be edited before it starts"


class OrderNotOpen(DomainError):
    code = "order-not-open"
    kind = ErrorKind.CONFLICT
    title = "The order is no longer open"


class ClientOrderIdReused(DomainError):
    code = "client-order-id-reused"
    kind = ErrorKind.CONFLICT
    title = "This client_order_id was used for another order"


class OrderRateLimited(DomainError):
    code = "rate-limited"
    kind = ErrorKind.TOO_MANY
    title = "Too many orders"


class InvalidContest(DomainError):
    """Contest fields that break a rule; `errors` names each field, for a 422 problem."""

    code = "validation-error"
    kind = ErrorKind.INVALID
    title = "The contest is not valid"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))
        self.errors = errors
