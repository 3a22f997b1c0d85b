"""JSON request bodies, read one way for every route that declares `data: JSONBody[...]`.

Litestar reads the body as JSON whatever its Content-Type, lets a UnicodeDecodeError escape as a
500, and converts it into the handler's type in lax mode (`"5"` and `1.0` become the integer
5). Here the request class reads it instead: a JSON media type only (else 415), UTF-8 only
(else 400), and strict types, decoded straight into the handler's type (else 422 listing every
bad field). Litestar then finds the value already of the right type and keeps it as it is.
"""

from typing import Any

import msgspec
from litestar import Request

from api.problems import ProblemError
from api.validation_errors import body_errors

JSON_MEDIA_TYPE = "application/json"
JSON_SUFFIX = "+json"
_UNREADABLE = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


def _require_json(request: Request[Any, Any, Any]) -> None:
    media_type, options = request.content_type
    media_type = media_type.lower()
    is_json = media_type == JSON_MEDIA_TYPE or (
        media_type.startswith("application/") and media_type.endswith(JSON_SUFFIX)
    )
    charset = options.get("charset", "utf-8").lower()
    if not is_json or charset not in ("utf-8", "utf8"):
        raise ProblemError(
            415,
            "unsupported-media-type",
            message="json-body-required",
        )


def decode_json_body(body: bytes, annotation: Any) -> Any:
    """The body as a value of `annotation`, or a 400 (unreadable) or 422 (not valid) problem."""
    try:
        return msgspec.json.decode(body, type=annotation, strict=True)
    except msgspec.ValidationError as exc:
        first = exc
    except _UNREADABLE as exc:
        raise _unreadable(exc) from exc
    try:
        errors = body_errors(body, annotation, first)
    except _UNREADABLE as exc:  # the decoder stopped at a bad value before reaching this
        raise _unreadable(exc) from exc
    raise ProblemError(
        422, "validation-error", message="fields-not-valid", errors=errors
    ) from first


def _unreadable(exc: Exception) -> ProblemError:
    if isinstance(exc, UnicodeDecodeError):
        message = "body-not-utf8"
    elif isinstance(exc, RecursionError):
        message = "body-nested-too-deeply"
    else:
        message = "body-not-json"
    return ProblemError(400, "malformed-request", message=message)


class JsonBodyRequest(Request[Any, Any, Any]):
    """A request whose `json()` is the handler's `data`, read by the rules above."""

    async def json(self) -> Any:
        data_field = self.route_handler.parsed_data_field
        _require_json(self)
        body = await self.body()
        annotation = data_field.annotation if data_field is not None else Any
        return decode_json_body(body or b"null", annotation)
