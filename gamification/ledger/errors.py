from core.errors import DomainError, ErrorKind


class InsufficientPoints(DomainError):
    code = "insufficient-points"
    kind = ErrorKind.CONFLICT


class AlreadyReversed(DomainError):
    code = "already-reversed"
    kind = ErrorKind.CONFLICT


class NotReversible(DomainError):
    code = "not-reversible"
    kind = ErrorKind.CONFLICT


class TransactionNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "ledger-transaction-not-found"
