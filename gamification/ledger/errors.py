from core.errors import DomainError, ErrorKind


class InsufficientPoints(DomainError):
    code = "insufficient-points"
    kind = ErrorKind.CONFLICT
    title = "Not enough points"


class AlreadyReversed(DomainError):
    code = "already-reversed"
    kind = ErrorKind.CONFLICT
    title = "This transaction was already reversed"


class NotReversible(DomainError):
    code = "not-reversible"
    kind = ErrorKind.CONFLICT
    title = "This transaction cannot be reversed"


class TransactionNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    title = "No such ledger transaction"
