"""Every timestamp in a response body has one form, RFC 3339 in UTC with milliseconds, whether
its microseconds are 0 or not, in fresh and in replayed (idempotent) answers alike."""

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.timestamps import TIMESTAMP_EXAMPLE, format_timestamp, with_timestamps_formatted
from core.clock import FrozenClock
from tests.factories import UserFactory
from tests.helpers import funder_for, product_factory_for, redeem

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LOOKS_LIKE_A_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def strings_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings_in(item)
    elif isinstance(node, str):
        yield node


async def test_every_timestamp_in_responses_has_the_one_format(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    assert clock.now().microsecond == 0  # msgspec wrote these without a fraction
    user = await user_factory(risk_profile="C3")
    await funder_for(sessionmaker, clock)(user.id, 100)
    product = await product_factory_for(sessionmaker, clock)(points_price=30)
    clock.advance(timedelta(microseconds=123_456))  # and these with six digits
    key = uuid.uuid4().hex
    bodies = [(await redeem(client, user.headers, product.id, key)).json()]
    bodies.append((await redeem(client, user.headers, product.id, key)).json())  # replayed
    for path in ("/v1/me", "/v1/me/wallet", "/v1/me/ledger", "/v1/me/vouchers"):
        response = await client.get(path, headers=user.headers)
        assert response.status_code == 200, response.text
        bodies.append(response.json())

    times = [s for body in bodies for s in strings_in(body) if LOOKS_LIKE_A_TIME.match(s)]

    assert len(times) >= 8
    assert [t for t in times if not TIMESTAMP.match(t)] == []
    assert "2026-03-02T01:30:00.123Z" in times
    assert "2026-03-02T01:30:00.000Z" in times


def test_a_time_in_another_zone_is_written_in_utc_with_milliseconds() -> None:
    at = datetime(2026, 3, 2, 9, 30, 0, 999_999, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert format_timestamp(at) == "2026-03-02T01:30:00.999Z"
    assert format_timestamp(datetime(2026, 3, 2, 1, 30, tzinfo=UTC)) == TIMESTAMP_EXAMPLE


def test_a_naive_time_is_refused_rather_than_guessed() -> None:
    with pytest.raises(TypeError):
        format_timestamp(datetime(2026, 3, 2, 1, 30))


class _Plain(msgspec.Struct):
    name: str
    tags: list[str]


class _Stamp(msgspec.Struct):
    at: datetime
    note: str


class _Stamped(msgspec.Struct):
    plain: _Plain
    created_at: datetime
    ended_at: datetime | None
    stamps: list[_Stamp]
    by_purpose: dict[str, _Stamp]
    extra: Any
    children: list["_Stamped"]


def test_every_nested_time_is_written_and_the_rest_kept_as_it_is() -> None:
    at = datetime(2026, 3, 2, 1, 30, 0, 123_456, tzinfo=UTC)
    plain = _Plain("a", ["b"])
    leaf = _Stamped(plain, at, None, [], {}, None, [])
    body = _Stamped(
        plain, at, at, [_Stamp(at, "x")], {"p": _Stamp(at, "y")}, {"when": [at]}, [leaf]
    )
    written = msgspec.json.decode(msgspec.json.encode(with_timestamps_formatted(body)))
    expected_time = "2026-03-02T01:30:00.123Z"
    assert written["created_at"] == written["ended_at"] == expected_time
    assert written["stamps"] == [{"at": expected_time, "note": "x"}]
    assert written["by_purpose"] == {"p": {"at": expected_time, "note": "y"}}
    assert written["extra"] == {"when": [expected_time]}
    assert written["children"][0]["created_at"] == expected_time
    assert written["plain"] == {"name": "a", "tags": ["b"]}


def test_a_body_without_times_goes_to_msgspec_untouched() -> None:
    body = _Plain("a", ["b"])
    assert with_timestamps_formatted(body) is body
