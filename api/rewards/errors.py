"""Why an admin adjustment is refused: separation of duties and the approval workflow."""

from core.errors import DomainError, ErrorKind


class SelfAdjustmentForbidden(DomainError):
    code = "self-adjustment-forbidden"
    kind = ErrorKind.FORBIDDEN


class SelfApprovalForbidden(SelfAdjustmentForbidden):
    message = "self-approval-forbidden"


class ApproverIsRequester(DomainError):
    code = "approver-is-requester"
    kind = ErrorKind.FORBIDDEN


class AdjustmentNotPending(DomainError):
    code = "adjustment-not-pending"
    kind = ErrorKind.CONFLICT


class AdjustmentNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "adjustment-not-found"


class AdjustedUserNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "user-not-found"
