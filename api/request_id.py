"""Every response carries an X-Request-ID (`api.response_headers`): the client's own if it is
sane, else a new one."""

import os
import re
from contextvars import ContextVar

from litestar.types import Scope

REQUEST_ID_HEADER = "X-Request-ID"
_SENT_HEADER = REQUEST_ID_HEADER.lower().encode()
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def request_id_of(scope: Scope) -> str:
    """The request's id, chosen once per request and kept in the scope state."""
    state = scope.setdefault("state", {})
    request_id = state.get("request_id")
    if request_id is None:
        sent = next(
            (value for name, value in scope.get("headers", ()) if name == _SENT_HEADER), b""
        )
        decoded = sent.decode("latin-1")
        # A new one: 32 hex digits, as uuid4().hex has them, for a third of its cost.
        request_id = decoded if _ACCEPTABLE.match(decoded) else os.urandom(16).hex()
        state["request_id"] = request_id
    return str(request_id)
