"""Why an admin adjustment is refused: separation of duties and the approval workflow."""

from core.errors import DomainError, ErrorKind


class SelfAdjustmentForbidden(DomainError):
    code = "self-adjustment-forbidden"
    kind = ErrorKind.FORBIDDEN
    title = "Admins cannot adjust their own points"


class ApproverIsRequester(DomainError):
    code = "approver-is-requester"
    kind = ErrorKind.FORBIDDEN
    title = "A second admin must approve"


class AdjustmentNotPending(DomainError):
    code = "adjustment-not-pending"
    kind = ErrorKind.CONFLICT
    title = "This adjustment is no longer pending"


class AdjustmentNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    title = "No such adjustment"


class AdjustedUserNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    title = "No such user"
