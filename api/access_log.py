"""One log line per request: method, route template, status, duration, request id and caller."""

import logging
import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.accounts.caller import Caller, PartnerCaller

logger = logging.getLogger("api.access")

UNANSWERED = 500  # the exception escaped: Litestar's application-level handler answers 500


def access_log_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = UNANSWERED

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_noting_status)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            logger.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "route": scope.get("path_template", scope["path"]),
                    "status": status,
                    "duration_ms": duration_ms,
                    **_caller_fields(scope.get("user")),
                },
            )

    return middleware


def _caller_fields(user: object) -> dict[str, str]:
    if isinstance(user, Caller):
        return {"user_id": str(user.user_id)}
    if isinstance(user, PartnerCaller):
        return {"partner_id": str(user.partner_id)}
    return {}
