"""Logs an operator can search: one access line per request, the request id on every line of a
request (errors in the authentication middleware included), extras kept in the console format."""

import json
import logging
from collections.abc import Iterator

import pytest
from httpx import AsyncClient

import api.accounts.auth_middleware
from api.logs import ConsoleFormatter, JsonFormatter, RequestIdFilter
from tests.factories import UserFactory


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Captured records, with the request id filled in as the real handler does."""
    request_ids = RequestIdFilter()
    caplog.handler.addFilter(request_ids)
    with caplog.at_level(logging.INFO):
        yield caplog
    caplog.handler.removeFilter(request_ids)


def records_of(logs: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    return [record for record in logs.records if record.name == logger]


async def test_a_request_writes_one_access_line(
    client: AsyncClient, user_factory: UserFactory, logs: pytest.LogCaptureFixture
) -> None:
    user = await user_factory()
    response = await client.get("/v1/me/wallet", headers=user.headers)
    assert response.status_code == 200
    [line] = records_of(logs, "api.access")
    fields = ("method", "route", "status", "user_id", "request_id")
    assert {field: getattr(line, field) for field in fields} == {
        "method": "GET",
        "route": "/v1/me/wallet",
        "status": 200,
        "user_id": str(user.id),
        "request_id": response.headers["x-request-id"],
    }
    assert isinstance(line.__dict__["duration_ms"], float)


async def test_a_401_from_authentication_is_logged_with_its_request_id(
    client: AsyncClient, logs: pytest.LogCaptureFixture
) -> None:
    response = await client.get("/v1/me/wallet", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    [line] = records_of(logs, "api.access")
    assert (line.__dict__["status"], line.__dict__["route"]) == (401, "/v1/me/wallet")
    assert line.__dict__["request_id"] == response.headers["x-request-id"]
    assert not hasattr(line, "user_id")


async def test_an_unexpected_error_in_authentication_is_logged_with_the_quoted_request_id(
    client: AsyncClient,
    user_factory: UserFactory,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = await user_factory()

    async def broken_load_caller(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the caller could not be read")

    monkeypatch.setattr(api.accounts.auth_middleware, "load_caller", broken_load_caller)
    response = await client.get("/v1/me/wallet", headers=user.headers)
    assert response.status_code == 500
    request_id = response.json()["request_id"]
    assert request_id in response.json()["detail"]
    [error] = [record for record in logs.records if record.levelname == "ERROR"]
    assert error.__dict__["request_id"] == request_id
    [line] = records_of(logs, "api.access")
    assert (line.__dict__["status"], line.__dict__["request_id"]) == (500, request_id)


def a_record(**extra: object) -> logging.LogRecord:
    record = logging.makeLogRecord(
        {"name": "api.scheduler.runner", "levelname": "INFO", "msg": "job done", **extra}
    )
    RequestIdFilter().filter(record)
    return record


def test_console_lines_keep_the_extras_and_print_a_dash_outside_requests() -> None:
    line = ConsoleFormatter().format(a_record(job="idempotency.purge", summary="purged 0 keys"))
    assert line.endswith(
        "INFO    api.scheduler.runner [-] job done job=idempotency.purge summary=purged 0 keys"
    )


def test_console_lines_show_the_request_id_inside_a_request() -> None:
    line = ConsoleFormatter().format(a_record(request_id="abc123", status=200))
    assert "[abc123] job done status=200" in line
    assert "request_id=" not in line


def test_json_lines_drop_uvicorn_colour_codes() -> None:
    record = a_record(color_message="\x1b[32mjob done\x1b[0m", url="http://127.0.0.1:8000")
    entry = json.loads(JsonFormatter().format(record))
    assert "color_message" not in entry
    assert entry["url"] == "http://127.0.0.1:8000"
    assert "request_id" not in entry
