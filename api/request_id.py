"""Every response carries an X-Request-ID: the client's own if it is sane, else a new one."""

import re
import uuid
from contextvars import ContextVar

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def request_id_of(scope: Scope) -> str:
    """The request's id, chosen once per request and kept in the scope state."""
    state = scope.setdefault("state", {})
    request_id = state.get("request_id")
    if request_id is None:
        sent = dict(scope.get("headers", ())).get(REQUEST_ID_HEADER.lower().encode(), b"")
        decoded = sent.decode("latin-1")
        request_id = decoded if _ACCEPTABLE.match(decoded) else uuid.uuid4().hex
        state["request_id"] = request_id
    return str(request_id)


async def add_request_id_header(message: Message, scope: Scope) -> None:
    """A `before_send` hook: it sees every response, unmatched routes and errors included."""
    if message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id_of(scope)
