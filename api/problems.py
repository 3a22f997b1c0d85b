"""Every error is an RFC 9457 problem (`application/problem+json`), mapped here in one place.

Titles and details are the message catalogue's (`core/messages`), in the request's locale
(`api.locale.request_locale`); machine-readable reasons are members of their own."""

import logging
from typing import Any

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

import core.messages as messages
from api.database_outage import DatabaseUnavailable
from api.locale import request_locale
from api.request_id import request_id_of
from api.validation_errors import plain_message
from core.errors import CommittedRefusal, DomainError, ErrorKind, FieldErrors

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
DATA_EXCEPTION_CLASS = "22"
CLIENT_GONE = "client disconnected prematurely"
PROBLEM_TYPE_PREFIX = "https://investquest.app/problems/"
DATABASE_RETRY_AFTER_SECONDS = 5

_STATUS_OF_KIND = {
    ErrorKind.INVALID: 422,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_MANY: 429,
}

# The problem type code of the HTTP errors the framework raises itself.
_HTTP_PROBLEMS: dict[int, str] = {
    400: "malformed-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "rate-limited",
    503: "unavailable",
}


class ProblemError(HTTPException):
    """An HTTP error raised by the api layer with its own problem type code. Its detail is the
    catalogue's `message` (with `params`) in the caller's locale; a literal `detail` is sent
    as it is (English), for raise sites not yet in the catalogue."""

    def __init__(
        self,
        status_code: int,
        code: str,
        detail: str | None = None,
        *,
        message: str | None = None,
        params: dict[str, object] | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.params = params or {}
        self.errors = errors
        english = detail if message is None else messages.detail(message, "en", self.params)
        super().__init__(detail=english or "", status_code=status_code, headers=headers)

    def detail_in(self, locale: str) -> str:
        if self.message is None:
            return self.detail
        return messages.detail(self.message, locale, self.params)


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    fields: dict[str, object] | None = None,
) -> Response[dict[str, Any]]:
    """The problem, titled in the request's locale; `detail` is already in it."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": messages.title(code, request_locale(request)),
        "status": status,
        "detail": detail,
        "instance": request.scope.get("path", ""),
        "request_id": request_id_of(request.scope),
        **(fields or {}),
    }
    if errors is not None:
        body["errors"] = errors
    return Response(
        content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def catalogued_problem(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    message: str,
    params: dict[str, object] | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    """A problem whose detail is the catalogue's `message`, in the request's locale."""
    detail = messages.detail(message, request_locale(request), params)
    return problem_response(
        request, status=status, code=code, detail=detail, errors=errors, headers=headers
    )


def _retry_after(seconds: int | None) -> dict[str, str] | None:
    return {"Retry-After": str(seconds)} if seconds is not None else None


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return problem_response(
        request,
        status=_STATUS_OF_KIND[exc.kind],
        code=exc.code,
        detail=exc.detail_in(request_locale(request)),
        errors=_listed(exc.errors),
        headers=_retry_after(exc.retry_after_seconds),
        fields=exc.problem_fields(),
    )


def handle_committed_refusal(
    request: Request[Any, Any, Any], exc: CommittedRefusal
) -> Response[Any]:
    """The refusal's error, answered after `provide_db` committed what the request recorded."""
    return handle_domain_error(request, exc.error)


def _listed(errors: FieldErrors | None) -> list[dict[str, str]] | None:
    if errors is None:
        return None
    return [{"field": field, "message": message} for field, message in errors]


def _field_errors(exc: ValidationException) -> list[dict[str, str]]:
    """Litestar's per-parameter errors (query, path, headers; a missing body), in plain words."""
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field = str(item.get("key") or item.get("source") or "body")
            if field == "data":  # the handler's body parameter: there was no body at all
                errors.append({"field": "body", "message": "is required: send a JSON object"})
                continue
            errors.append({"field": field, "message": plain_message(str(item.get("message")))})
    return errors or [{"field": "body", "message": "is not valid"}]


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ProblemError):
        return problem_response(
            request,
            status=exc.status_code,
            code=exc.code,
            detail=exc.detail_in(request_locale(request)),
            errors=exc.errors,
            headers=exc.headers,
        )
    if isinstance(exc, ValidationException):
        return catalogued_problem(
            request,
            status=422,
            code="validation-error",
            message="fields-not-valid",
            errors=_field_errors(exc),
        )
    if exc.detail == CLIENT_GONE:
        # Litestar's word for a client that hung up while sending its body: not our failure,
        # and nobody is left to read the answer.
        logger.info("client disconnected before sending its whole request")
        return catalogued_problem(
            request, status=400, code="malformed-request", message="request-cut-off"
        )
    if exc.status_code >= 500:
        return handle_unexpected_error(request, exc)
    return problem_response(
        request,
        status=exc.status_code,
        code=_HTTP_PROBLEMS.get(exc.status_code, "error"),
        detail=exc.detail,
        headers=exc.headers,
    )


def handle_unreadable_body(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """JSON nested deeper than the decoder's recursion limit: the client's input, not our bug."""
    return catalogued_problem(
        request, status=400, code="malformed-request", message="body-nested-too-deeply"
    )


def handle_database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    """PostgreSQL refusing a value the client sent (SQLSTATE class 22, "data exception": a NUL
    character, a number or date out of range) is a 422; any other database error is ours."""
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    if not sqlstate.startswith(DATA_EXCEPTION_CLASS):
        return handle_unexpected_error(request, exc)
    return _value_not_storable(request, sqlstate)


def handle_driver_data_error(
    request: Request[Any, Any, Any], exc: asyncpg.exceptions.DataError
) -> Response[Any]:
    """The same refusal (SQLSTATE class 22) raised by a prebuilt read or write sent straight to
    the driver (`core/driver_reads`), which SQLAlchemy does not wrap in a DBAPIError."""
    return _value_not_storable(request, exc.sqlstate)


def _value_not_storable(request: Request[Any, Any, Any], sqlstate: str) -> Response[Any]:
    logger.info("value refused by the database", extra={"sqlstate": sqlstate})
    return catalogued_problem(
        request, status=422, code="validation-error", message="value-not-storable"
    )


def handle_database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """No pooled connection in time, or the database did not answer: retry shortly, not a bug."""
    request_id = request_id_of(request.scope)
    logger.warning(
        "database unavailable",
        extra={"path": request.scope.get("path"), "error": repr(exc), "request_id": request_id},
    )
    return catalogued_problem(
        request,
        status=503,
        code="database-unavailable",
        message="database-unavailable",
        headers=_retry_after(DATABASE_RETRY_AFTER_SECONDS),
    )


def handle_unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request_id = request_id_of(request.scope)
    logger.error(
        "unhandled error",
        exc_info=exc,
        extra={"path": request.scope.get("path"), "request_id": request_id},
    )
    return catalogued_problem(
        request,
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        code="internal-error",
        message="internal-error",
        params={"request_id": request_id},
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: handle_domain_error,
    CommittedRefusal: handle_committed_refusal,
    HTTPException: handle_http_exception,
    RecursionError: handle_unreadable_body,
    DBAPIError: handle_database_error,
    asyncpg.exceptions.DataError: handle_driver_data_error,
    DatabaseUnavailable: handle_database_unavailable,
    PoolTimeoutError: handle_database_unavailable,  # every pooled connection stayed busy
    # Raw from asyncpg when the pool's pre-ping gets no answer: on the request path, only the
    # database is waited on with a deadline.
    TimeoutError: handle_database_unavailable,
    Exception: handle_unexpected_error,
}
