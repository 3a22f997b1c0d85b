"""One timestamp format in every response body: RFC 3339 in UTC with milliseconds, `Z`-suffixed
(`2026-03-02T01:30:00.000Z`).

msgspec writes datetimes itself and never calls an `enc_hook` for them: it drops the fraction
when the microseconds are 0 and keeps six digits otherwise, and some clients (iOS's
`ISO8601DateFormatter`) parse only one of the two forms. So every datetime is written here
first. A response struct is copied only along the fields whose declared types can hold a
datetime (worked out once per struct type) and then encoded by msgspec directly; anything else
is turned into builtins with its datetimes left as they are, and walked.
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

import msgspec
from litestar import Response
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.serialization import default_serializer
from litestar.types import Serializer
from litestar.typing import FieldDefinition
from msgspec import inspect as types

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
    """`content` ready for msgspec, each datetime written by `format_timestamp`."""
    if isinstance(content, datetime):
        return format_timestamp(content)
    if isinstance(content, msgspec.Struct):
        return _struct_formatted(content, enc_hook)
    if isinstance(content, list) and all(isinstance(item, msgspec.Struct) for item in content):
        return [_struct_formatted(item, enc_hook) for item in content]
    return _format_in(msgspec.to_builtins(content, builtin_types=(datetime,), enc_hook=enc_hook))


def _struct_formatted(struct: msgspec.Struct, enc_hook: Serializer) -> msgspec.Struct:
    """A copy with the datetimes written, along the fields that may hold one (itself when none
    can): the field's value is formatted whatever it is."""
    fields = _fields_with_times(type(struct))
    if not fields:
        return struct
    changes = {
        name: with_timestamps_formatted(value, enc_hook)
        for name in fields
        if (value := getattr(struct, name)) is not None
    }
    return msgspec.structs.replace(struct, **changes)


@cache
def _fields_with_times(struct_type: type[msgspec.Struct]) -> tuple[str, ...]:
    info = types.type_info(struct_type)
    assert isinstance(info, types.StructType)
    return tuple(field.name for field in info.fields if _may_hold_time(field.type))


def _may_hold_time(kind: types.Type, seen: frozenset[type] = frozenset()) -> bool:
    """Whether a value of this declared type can contain a datetime; unknown types can."""
    if isinstance(kind, types.DateTimeType | types.AnyType | types.CustomType):
        return True
    if isinstance(kind, types.StructType | types.DataclassType | types.TypedDictType):
        if kind.cls in seen:  # a recursive type: its other fields are being looked at
            return False
        return any(_may_hold_time(field.type, seen | {kind.cls}) for field in kind.fields)
    if isinstance(kind, types.UnionType):
        return any(_may_hold_time(member, seen) for member in kind.types)
    if isinstance(kind, types.CollectionType):  # list, set, frozenset, tuple[T, ...]
        return _may_hold_time(kind.item_type, seen)
    if isinstance(kind, types.TupleType):
        return any(_may_hold_time(item, seen) for item in kind.item_types)
    if isinstance(kind, types.DictType | types.FrozenDictType):
        return _may_hold_time(kind.key_type, seen) or _may_hold_time(kind.value_type, seen)
    return isinstance(kind, types.NamedTupleType)  # rare: walked to be safe


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
