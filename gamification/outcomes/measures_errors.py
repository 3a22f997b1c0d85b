"""The measures' refusals: an unknown measure (404 naming it) and a bad date range (422)."""

from core.errors import DomainError, ErrorKind


class UnknownMeasure(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "outcome-measure-not-found"

    def __init__(self, measure: str, known: str) -> None:
        super().__init__(measure=measure, known=known)


class InvalidRange(DomainError):
    """`errors` names `from`, `to` or both."""

    code = "validation-error"
    kind = ErrorKind.INVALID
    message = "outcome-range-not-valid"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        problems = "; ".join(f"{field}: {message}" for field, message in errors)
        super().__init__(errors=tuple(errors), problems=problems)
