"""Console forms: their fields read into the API's request documents, and the problems the API
would answer, kept for showing next to each field."""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec
from litestar.datastructures import FormMultiDict
from sqlalchemy.ext.asyncio import AsyncSession

import core.messages as messages
from api.validation_errors import struct_errors
from core.errors import DomainError, ErrorKind

S = TypeVar("S", bound=msgspec.Struct)
T = TypeVar("T")


@dataclass(frozen=True)
class FormProblem:
    """A problem as the API words it: title, detail and each field at fault."""

    title: str
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return any(
            e["field"] == name or e["field"].startswith((f"{name}.", f"{name}["))
            for e in self.errors
        )


_STATUS_OF_KIND = {
    ErrorKind.INVALID: 422,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_MANY: 429,
}


def status_of(error: DomainError) -> int:
    """The status the API answers this error with (`api/problems.py`)."""
    return _STATUS_OF_KIND[error.kind]


def validation_problem(errors: list[dict[str, str]], locale: str) -> FormProblem:
    return FormProblem(
        title=messages.title("validation-error", locale),
        detail=messages.detail("fields-not-valid", locale),
        errors=errors,
    )


def domain_problem(error: DomainError, locale: str) -> FormProblem:
    return FormProblem(
        title=messages.title(error.code, locale),
        detail=error.detail_in(locale),
        errors=[{"field": name, "message": message} for name, message in error.errors or ()],
    )


def checked(
    document: dict[str, Any], struct: type[S], locale: str
) -> tuple[S | None, FormProblem | None]:
    """The document as the API's request struct, or every problem the API would list."""
    errors = struct_errors(document, struct)
    if not errors:
        try:
            return msgspec.convert(document, struct), None
        except msgspec.ValidationError as exc:  # a rule only the whole struct checks
            errors = [{"field": "body", "message": str(exc)}]
    return None, validation_problem(errors, locale)


async def attempt(
    db: AsyncSession, locale: str, work: Callable[[], Awaitable[T]]
) -> tuple[T | None, FormProblem | None, int]:
    """Run a form's write in a savepoint: its result, or the problem the API would answer and
    its status, with nothing written."""
    try:
        async with db.begin_nested():
            return await work(), None, 200
    except DomainError as error:
        return None, domain_problem(error, locale), status_of(error)


def text(form: FormMultiDict, name: str) -> str | None:
    """A text field, trimmed; a blank one is absent."""
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def whole_number(form: FormMultiDict, name: str) -> int | str | None:
    """An integer field; what is not one is kept as typed, for the API's own message."""
    value = text(form, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return value


def json_object(form: FormMultiDict, name: str) -> Any:
    """A JSON field; text that is not JSON is kept as typed (the API says it must be an
    object)."""
    value = text(form, name)
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def form_values(form: FormMultiDict) -> dict[str, str]:
    """What was typed, to show again next to its problems (never a password)."""
    return {
        name: value
        for name, value in form.items()
        if isinstance(value, str) and name not in {"password", "_csrf"}
    }
