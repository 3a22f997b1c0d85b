"""Every error is an RFC 9457 problem (`application/problem+json`), mapped here in one place."""

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from api.database_outage import DatabaseUnavailable
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

# (type code, title) for the HTTP errors the framework raises itself.
_HTTP_PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("malformed-request", "The request could not be read"),
    401: ("unauthorized", "Authentication is required"),
    403: ("forbidden", "You are not allowed to do this"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "The request body is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "The request is not valid"),
    429: ("rate-limited", "Too many requests"),
    503: ("unavailable", "Service unavailable"),
}


class ProblemError(HTTPException):
    """An HTTP error raised by the api layer with its own problem type code."""

    def __init__(
        self,
        status_code: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail=detail, status_code=status_code, headers=headers)
        self.code = code
        self.title = title or _HTTP_PROBLEMS.get(status_code, ("", "Error"))[1]
        self.errors = errors


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.scope.get("path", ""),
        "request_id": request_id_of(request.scope),
    }
    if errors is not None:
        body["errors"] = errors
    return Response(
        content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _retry_after(seconds: int | None) -> dict[str, str] | None:
    return {"Retry-After": str(seconds)} if seconds is not None else None


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return problem_response(
        request,
        status=_STATUS_OF_KIND[exc.kind],
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        errors=_listed(exc.errors),
        headers=_retry_after(exc.retry_after_seconds),
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
            title=exc.title,
            detail=exc.detail,
            errors=exc.errors,
            headers=exc.headers,
        )
    if isinstance(exc, ValidationException):
        return problem_response(
            request,
            status=422,
            code="validation-error",
            title=_HTTP_PROBLEMS[422][1],
            detail="One or more fields are not valid.",
            errors=_field_errors(exc),
        )
    if exc.detail == CLIENT_GONE:
        # Litestar's word for a client that hung up while sending its body: not our failure,
        # and nobody is left to read the answer.
        logger.info("client disconnected before sending its whole request")
        return problem_response(
            request,
            status=400,
            code="malformed-request",
            title=_HTTP_PROBLEMS[400][1],
            detail="The request was cut off.",
        )
    if exc.status_code >= 500:
        return handle_unexpected_error(request, exc)
    code, title = _HTTP_PROBLEMS.get(exc.status_code, ("error", "Error"))
    return problem_response(
        request,
        status=exc.status_code,
        code=code,
        title=title,
        detail=exc.detail,
        headers=exc.headers,
    )


def handle_unreadable_body(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """JSON nested deeper than the decoder's recursion limit: the client's input, not our bug."""
    return problem_response(
        request,
        status=400,
        code="malformed-request",
        title=_HTTP_PROBLEMS[400][1],
        detail="The request body is nested too deeply.",
    )


def handle_database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    """PostgreSQL refusing a value the client sent (SQLSTATE class 22, "data exception": a NUL
    character, a number or date out of range) is a 422; any other database error is ours."""
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    if not sqlstate.startswith(DATA_EXCEPTION_CLASS):
        return handle_unexpected_error(request, exc)
    logger.info("value refused by the database", extra={"sqlstate": sqlstate})
    return problem_response(
        request,
        status=422,
        code="validation-error",
        title=_HTTP_PROBLEMS[422][1],
        detail="A value in the request cannot be stored: it is out of range or contains "
        "characters that are not text (such as NUL).",
    )


def handle_database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """No pooled connection in time, or the database did not answer: retry shortly, not a bug."""
    request_id = request_id_of(request.scope)
    logger.warning(
        "database unavailable",
        extra={"path": request.scope.get("path"), "error": repr(exc), "request_id": request_id},
    )
    return problem_response(
        request,
        status=503,
        code="database-unavailable",
        title="The database is unavailable",
        detail="The service cannot reach its database right now. Please try again shortly.",
        headers=_retry_after(DATABASE_RETRY_AFTER_SECONDS),
    )


def handle_unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request_id = request_id_of(request.scope)
    logger.error(
        "unhandled error",
        exc_info=exc,
        extra={"path": request.scope.get("path"), "request_id": request_id},
    )
    return problem_response(
        request,
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        code="internal-error",
        title="Internal server error",
        detail=f"Something went wrong on our side. Quote request id {request_id} to support.",
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: handle_domain_error,
    CommittedRefusal: handle_committed_refusal,
    HTTPException: handle_http_exception,
    RecursionError: handle_unreadable_body,
    DBAPIError: handle_database_error,
    DatabaseUnavailable: handle_database_unavailable,
    PoolTimeoutError: handle_database_unavailable,  # every pooled connection stayed busy
    # Raw from asyncpg when the pool's pre-ping gets no answer: on the request path, only the
    # database is waited on with a deadline.
    TimeoutError: handle_database_unavailable,
    Exception: handle_unexpected_error,
}
