"""The four ways a bearer token fails, each its own 401 problem type, so an app can tell
"refresh silently" (`token-expired`) from "log in again" (`token-invalid`, `session-ended`)
without reading English. Each carries `WWW-Authenticate: Bearer` (RFC 6750 §3)."""

from dataclasses import dataclass

from api.problems import ProblemError


@dataclass(frozen=True)
class BearerFailure:
    code: str
    title: str
    detail: str
    rfc6750_error: str | None  # None: no credentials were sent, so no error code (§3.1)


TOKEN_MISSING = BearerFailure(
    "unauthorized",
    "Authentication is required",
    "An `Authorization: Bearer <access token>` header is required.",
    None,
)
TOKEN_EXPIRED = BearerFailure(
    "token-expired",
    "The access token has expired",
    "The access token has expired. Get a new one with the refresh token.",
    "invalid_token",
)
TOKEN_INVALID = BearerFailure(
    "token-invalid",
    "The access token is not valid",
    "The access token is not one this service issued. Please log in again.",
    "invalid_token",
)
SESSION_ENDED = BearerFailure(
    "session-ended",
    "The session has ended",
    "This session has ended. Please log in again.",
    "invalid_token",
)


def bearer_problem(failure: BearerFailure) -> ProblemError:
    challenge = "Bearer"
    if failure.rfc6750_error is not None:
        challenge += f' error="{failure.rfc6750_error}", error_description="{failure.title}"'
    return ProblemError(
        401,
        failure.code,
        failure.detail,
        headers={"WWW-Authenticate": challenge},
    )
