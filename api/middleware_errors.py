"""Errors raised by middleware become problems inside the request-id, access-log and metrics
middleware.

Authentication reads the caller from the database before any handler runs. What it raises (a
401, a database outage) would otherwise reach Litestar's application-level handler, which runs
outside every middleware: the answer would be uncounted in the metrics, missing from the access
log, and logged without the request id it quotes.
"""

from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import EXCEPTION_HANDLERS, handle_unexpected_error


def render_middleware_errors(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, send_noting_start)
        except Exception as exc:
            if started or scope["type"] != ScopeType.HTTP:
                raise  # too late for another answer; Litestar's own handler deals with it
            request: Request[Any, Any, Any] = Request(scope, receive=receive, send=send)
            response = _handler_for(exc)(request, exc)
            await response.to_asgi_response(app=None, request=request)(scope, receive, send)

    return middleware


def _handler_for(exc: Exception) -> Callable[[Request[Any, Any, Any], Exception], Response[Any]]:
    for cls in type(exc).__mro__:
        handler = EXCEPTION_HANDLERS.get(cls)
        if handler is not None:
            return handler
    return handle_unexpected_error
