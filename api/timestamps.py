"""One timestamp format in every response body: RFC 3339 in UTC with milliseconds, `Z`-suffixed
(`2026-03-02T01:30:00.000Z`).

msgspec writes datetimes itself and never calls an `enc_hook` for them: it drops the fraction
when the microseconds are 0 and keeps six digits otherwise, and some clients (iOS's
`ISO8601DateFormatter`) parse only one of the two forms. So bodies are first turned into
builtins with datetimes left as they are, then every datetime is written here, once.
"""

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Response
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.serialization import default_serializer
from litestar.types import Serializer
from litestar.typing import FieldDefinition

TIMESTAMP_EXAMPLE = "2026-03-02T01:30:00.000Z"
TIMESTAMP_DESCRIPTION = (
    "RFC 3339 in UTC with milliseconds, always in this form: `2026-03-02T01:30:00.000Z`. "
    "Requests may send any RFC 3339 time with an offset."
)


def format_timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise TypeError("a naive datetime has no place in a response")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def with_timestamps_formatted(content: Any, enc_hook: Serializer = default_serializer) -> Any:
    """`content` as JSON-ready builtins, each datetime written by `format_timestamp`."""
    return _format_in(msgspec.to_builtins(content, builtin_types=(datetime,), enc_hook=enc_hook))


def _format_in(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _format_in(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_format_in(item) for item in node]
    if isinstance(node, datetime):
        return format_timestamp(node)
    return node


def encode_body(content: Any) -> bytes:
    """JSON for a body written outside a `Response` (stored idempotent answers)."""
    return msgspec.json.encode(with_timestamps_formatted(content))


class TimestampedResponse(Response[Any]):
    """The app's response class: JSON bodies get their timestamps in the one format."""

    def render(
        self, content: Any, media_type: str, enc_hook: Serializer = default_serializer
    ) -> bytes:
        if not isinstance(content, str | bytes) and "json" in media_type:
            content = with_timestamps_formatted(content, enc_hook)
        return super().render(content, media_type, enc_hook)


class TimestampSchemaPlugin(OpenAPISchemaPlugin):
    """Says the format in the OpenAPI document, on every datetime field and parameter."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return field_definition.annotation is datetime

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        return Schema(
            type=OpenAPIType.STRING,
            format=OpenAPIFormat.DATE_TIME,
            description=TIMESTAMP_DESCRIPTION,
            examples=[TIMESTAMP_EXAMPLE],
        )
