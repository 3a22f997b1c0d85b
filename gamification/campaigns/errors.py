"""Marketing errors, each with the stable code the API turns into a problem `type`."""

from core.errors import DomainError, ErrorKind


class InboxMessageNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "inbox-message-not-found"
