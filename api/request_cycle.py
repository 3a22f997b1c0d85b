"""The one ASGI middleware every routed request passes through, outermost first:

1. its request id (`api.request_id`), exposed to every log record written while it is handled;
2. its duration and status, for one `api.access` log line and the request metrics
   (`api.metrics`);
3. errors raised before the handler ran (authentication's 401, a database outage, a bug)
   rendered as problems here, inside 1 and 2, so they are counted, logged and quote the
   request id; Litestar's own application-level handler would answer outside all of it;
4. the request's one lazy database session (`api.database`), closed at the end, and on
   driver-only routes (`api.autocommit_routes`) its own lazy pooled connection, given back;
5. authentication (`api.accounts.auth_middleware`), which reads the caller through it.

One layer instead of six: each ASGI layer costs a coroutine, a `send` wrapper and, for
Litestar's class middleware, a path-exclusion check on every request. Routes that do not exist
never reach it (Litestar applies middleware per route), so a 404 is neither logged nor counted.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.accounts.auth_middleware import authenticate
from api.accounts.caller import Caller, PartnerCaller
from api.autocommit_routes import is_driver_only, request_sessionmaker
from api.database import REQUEST_SESSION, request_connection_for
from api.metrics import METRICS_PATH, RequestMetrics
from api.problems import EXCEPTION_HANDLERS, handle_unexpected_error
from api.request_id import current_request_id, request_id_of
from core.driver_reads import REQUEST_CONNECTION

access_logger = logging.getLogger("api.access")

UNANSWERED = 500  # the exception escaped: Litestar's application-level handler answers 500


def request_cycle_middleware(app: ASGIApp) -> ASGIApp:
    metrics = RequestMetrics()

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        token = current_request_id.set(request_id_of(scope))
        status, answered = UNANSWERED, False

        async def send_noting_status(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
            await send(message)

        counted = scope["path"] != METRICS_PATH
        if counted:
            metrics.started(scope)
        try:
            try:
                await _with_session(app, scope, receive, send_noting_status)
            except Exception as exc:
                if answered:
                    raise  # too late for another answer; Litestar's own handler deals with it
                await _render(exc, scope, receive, send_noting_status)
        finally:
            duration = time.perf_counter() - started
            if counted:
                metrics.finished(scope, status, duration)
            if access_logger.isEnabledFor(logging.INFO):
                _log_access(scope, status, duration)
            current_request_id.reset(token)

    return middleware


async def _with_session(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """The request's session (autocommit where the route opted in), authentication through it,
    then the route; the session is closed (rolling back what was not committed) in any case."""
    sessionmaker = request_sessionmaker(scope, scope["litestar_app"].state)
    session = sessionmaker()
    own = request_connection_for(sessionmaker) if is_driver_only(scope) else None
    if own is not None:
        session.info[REQUEST_CONNECTION] = own
    scope.setdefault("state", {})[REQUEST_SESSION] = session
    try:
        await authenticate(scope)
        await app(scope, receive, send)
    finally:
        if own is not None:
            await own.release()
        if session.in_transaction() or session.sync_session.identity_map:
            await session.close()  # a session never used holds nothing (and closing it costs)


async def _render(exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    request: Request[Any, Any, Any] = Request(scope, receive=receive, send=send)
    response = _handler_for(exc)(request, exc)
    await response.to_asgi_response(app=None, request=request)(scope, receive, send)


def _handler_for(exc: Exception) -> Callable[[Request[Any, Any, Any], Exception], Response[Any]]:
    for cls in type(exc).__mro__:
        handler = EXCEPTION_HANDLERS.get(cls)
        if handler is not None:
            return handler
    return handle_unexpected_error


def _log_access(scope: Scope, status: int, duration: float) -> None:
    access_logger.info(
        "request",
        extra={
            "method": scope.get("method"),
            "route": scope.get("path_template", scope["path"]),
            "status": status,
            "duration_ms": round(duration * 1000, 1),
            **_caller_fields(scope.get("user")),
        },
    )


def _caller_fields(user: object) -> dict[str, str]:
    if isinstance(user, Caller):
        return {"user_id": str(user.user_id)}
    if isinstance(user, PartnerCaller):
        return {"partner_id": str(user.partner_id)}
    return {}
