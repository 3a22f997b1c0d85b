"""Cursors are opaque to clients, and whatever a client sends back as one is a 422 at worst."""

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from api.pagination import decode_cursor, encode_cursor
from api.problems import ProblemError

PARSERS = (datetime.fromisoformat, uuid.UUID)


def forged(parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


def test_a_cursor_round_trips_its_sort_key() -> None:
    key = (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), uuid.uuid4())
    assert decode_cursor(encode_cursor(key), PARSERS) == key


@pytest.mark.parametrize(
    ("cursor", "parsers"),
    [
        ("!!not-base64", PARSERS),
        (forged({"a": 1}), PARSERS),
        (forged(["2026-01-01T00:00:00+00:00"]), PARSERS),
        (forged(["2026-01-01T00:00:00+00:00", 5]), PARSERS),
        (forged([5, "x"]), PARSERS),
        (forged([1e400]), (int,)),
        (forged([99999999999999999999999]), (int,)),
        (forged(["99999999999999999999999"]), (int,)),
        (forged([True]), (int,)),
        (forged(["x" * 500]), (str,)),
    ],
)
def test_forged_cursors_are_422(cursor: str, parsers: tuple[object, ...]) -> None:
    with pytest.raises(ProblemError) as error:
        decode_cursor(cursor, parsers)  # type: ignore[arg-type]
    assert error.value.status_code == 422
