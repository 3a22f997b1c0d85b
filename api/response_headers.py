"""Headers every response carries, and the `Allow` of OPTIONS taken from the route table.

No response is cached unless its route says otherwise: almost every answer is personal data or
a token, and the few public ones (health, the catalogue behind a login anyway) lose nothing.
"""

import re

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from api.idempotency import REPLAYED_HEADER
from api.request_id import REQUEST_ID_HEADER

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# Response headers that browser code may read when CORS is on.
CORS_EXPOSED_HEADERS = ["Retry-After", REPLAYED_HEADER, REQUEST_ID_HEADER]


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A `before_send` hook: errors, 404s and CORS answers get the headers too."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in SECURITY_HEADERS.items():
            if name not in headers:
                headers[name] = value


async def allow_from_route_table(message: Message, scope: Scope) -> None:
    """Litestar's own OPTIONS answer lists only the methods of the first handler registered
    on a path (`OPTIONS /v1/me` said `DELETE, OPTIONS`); say every method of the route."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    headers = MutableScopeHeaders.from_message(message)
    app: Litestar = scope["app"]
    template = scope.get("path_template", "")
    # The scope's template drops parameter types (`{contest_id}`); the map's keys keep them.
    methods = next(
        (
            found
            for path, found in app.route_handler_method_map.items()
            if _PARAMETER_TYPE.sub("}", path) == template
        ),
        {},
    )
    if "Allow" in headers and methods:
        headers["Allow"] = ", ".join(sorted(methods))


_PARAMETER_TYPE = re.compile(r":[^}]*}")
