"""Marketing errors, each with the stable code the API turns into a problem `type`."""

from core.errors import DomainError, ErrorKind


class InboxMessageNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "inbox-message-not-found"


class _Invalid(DomainError):
    """Fields that break a rule; `errors` names each with its path, for a 422 problem."""

    code = "validation-error"
    kind = ErrorKind.INVALID
    message = "fields-not-valid"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        problems = "; ".join(f"{field}: {message}" for field, message in errors)
        super().__init__(errors=tuple(errors), problems=problems)


class InvalidSegment(_Invalid):
    message = "segment-not-valid"


class InvalidCampaign(_Invalid):
    message = "campaign-not-valid"


class SegmentNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "segment-not-found"


class CampaignNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "campaign-not-found"


class CampaignStateConflict(DomainError):
    """Raised with the campaign's `status` and the refused `change` (schedule, pause, resume,
    cancel, edit); both are members of the problem."""

    code = "campaign-state-conflict"
    kind = ErrorKind.CONFLICT

    def problem_fields(self) -> dict[str, object]:
        return {"status": self.params["status"], "change": self.params["change"]}
