"""Headers every response carries, and the `Allow` of OPTIONS taken from the route table.

No response is cached unless its route says otherwise: almost every answer is personal data or
a token, and the few public ones (health, the catalogue behind a login anyway) lose nothing.
"""

import re

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from api.idempotency import REPLAYED_HEADER
from api.request_id import REQUEST_ID_HEADER, request_id_of

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# Response headers that browser code may read when CORS is on.
CORS_EXPOSED_HEADERS = ["Retry-After", REPLAYED_HEADER, REQUEST_ID_HEADER]


_SECURITY_PAIRS = tuple(
    (name.lower().encode("latin-1"), value.encode("latin-1"))
    for name, value in SECURITY_HEADERS.items()
)
_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode("latin-1")


async def add_response_headers(message: Message, scope: Scope) -> None:
    """A `before_send` hook: every response (unmatched routes, errors and CORS answers too)
    carries its request id (`api.request_id`) and the security headers its route did not set
    itself. One hook writing the raw header list: a `MutableScopeHeaders` per header and hook
    cost a tenth of a cached `GET /v1/me`."""
    if message["type"] != "http.response.start":
        return
    headers = message.setdefault("headers", [])
    if not isinstance(headers, list):
        headers = message["headers"] = list(headers)
    present = {name.lower() for name, _ in headers}
    if _REQUEST_ID_NAME in present:
        headers[:] = [(name, value) for name, value in headers if name.lower() != _REQUEST_ID_NAME]
    headers.append((_REQUEST_ID_NAME, request_id_of(scope).encode("latin-1")))
    headers.extend(pair for pair in _SECURITY_PAIRS if pair[0] not in present)


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
