"""The outcomes' refusals."""

from datetime import UTC, datetime

from core.errors import DomainError, ErrorKind


class NpsAnsweredRecently(DomainError):
    """The survey is answered at most once per interval; the problem says when it opens again."""

    code = "nps-answered-recently"
    kind = ErrorKind.CONFLICT

    def __init__(self, *, next_allowed_at: datetime) -> None:
        # In the responses' timestamp format (api/timestamps.py), to the millisecond in UTC.
        utc = next_allowed_at.astimezone(UTC).isoformat(timespec="milliseconds")
        self.next_allowed_at = utc.removesuffix("+00:00") + "Z"
        super().__init__(next_allowed_at=self.next_allowed_at)

    def problem_fields(self) -> dict[str, object]:
        return {"next_allowed_at": self.next_allowed_at}


class ClientNotFound(DomainError):
    """No client of this partner has this owner reference (or the account was erased)."""

    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "client-not-found"


class ClientEventIdReused(DomainError):
    """The partner sent an event id it used before, with another body: one id, one fact."""

    code = "event-id-reused"
    kind = ErrorKind.CONFLICT


class InvalidClientEvent(DomainError):
    """A client event whose fields do not fit together; `errors` names the field."""

    code = "validation-error"
    kind = ErrorKind.INVALID
    message = "fields-not-valid"
