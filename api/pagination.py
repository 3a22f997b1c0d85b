"""Cursor pagination: `?limit=` (1..100, default 20) and an opaque `?cursor=` from the last page.

A cursor is the sort key of the last row returned, so a page never skips or repeats rows that
were inserted while the client was paging, and reading page N costs the same as page 1.
"""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import sqlalchemy as sa
from litestar.params import QueryParameter
from msgspec import Struct

from api.problems import ProblemError

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

LimitParam = Annotated[
    int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT, description="Page size, at most 100.")
]
CursorParam = Annotated[
    str | None,
    QueryParameter(name="cursor", max_length=512, description="`next_cursor` of the page before."),
]


class Page(Struct, Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class PageRequest:
    limit: int
    after: tuple[Any, ...] | None


def encode_cursor(key: Sequence[Any]) -> str:
    raw = json.dumps([_encodable(part) for part in key], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


INT64 = range(-(2**63), 2**63)


def decode_cursor(cursor: str, parsers: Sequence[Callable[[Any], Any]]) -> tuple[Any, ...]:
    """Decode a cursor and parse each part back to its column's type (e.g. datetime, UUID).

    A cursor comes back from the client, so anything in it is untrusted: only short strings
    and 64-bit integers are accepted as parts, and a part its parser refuses is a 422.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(key, list) or len(key) != len(parsers):
            raise ValueError("wrong cursor shape")
        parsed = tuple(parse(_checked(part)) for parse, part in zip(parsers, key, strict=True))
        return tuple(_checked(part) if isinstance(part, int) else part for part in parsed)
    except (binascii.Error, ValueError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc


def _checked(part: Any) -> Any:
    if isinstance(part, bool) or not isinstance(part, str | int):
        raise TypeError("cursor parts are strings or integers")
    if isinstance(part, int) and part not in INT64:
        raise ValueError("integer out of range")
    if isinstance(part, str) and (len(part) > 64 or "\x00" in part):
        raise ValueError("string part too long or not text")
    return part


def page_request(
    limit: int, cursor: str | None, parsers: Sequence[Callable[[Any], Any]]
) -> PageRequest:
    return PageRequest(limit=limit, after=decode_cursor(cursor, parsers) if cursor else None)


def keyset_before(columns: Sequence[Any], after: tuple[Any, ...] | None) -> Any:
    """The WHERE clause for a newest-first page: rows whose sort key is below the cursor's."""
    if after is None:
        return sa.true()
    return sa.tuple_(*columns) < sa.tuple_(*after)


def make_page(rows: Sequence[T], limit: int, key_of: Any) -> tuple[list[T], str | None]:
    """Given up to `limit + 1` rows, return the page and the cursor for the next one."""
    page = list(rows[:limit])
    next_cursor = encode_cursor(key_of(page[-1])) if len(rows) > limit and page else None
    return page, next_cursor


def _encodable(part: Any) -> Any:
    if isinstance(part, str | int | float | bool) or part is None:
        return part
    return str(part)  # datetimes and UUIDs travel as their ISO / canonical text


def _bad_cursor() -> ProblemError:
    return ProblemError(
        422,
        "validation-error",
        message="cursor-not-valid",
        errors=[{"field": "cursor", "message": "invalid cursor"}],
    )
