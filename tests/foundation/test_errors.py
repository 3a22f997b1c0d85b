"""Every error class answers application/problem+json with the right status."""

from typing import Any

import msgspec
import pytest
from httpx import AsyncClient
from litestar import Litestar, post
from litestar.params import JSONBody

from core.errors import DomainError, ErrorKind


class OutOfStock(DomainError):
    code = "out-of-stock"
    kind = ErrorKind.CONFLICT


class BadOrder(DomainError):
    code = "validation-error"
    kind = ErrorKind.INVALID


class Order(msgspec.Struct):
    quantity: int
    symbol: str


@post("/test/orders", sync_to_thread=False, exclude_from_auth=True)
def create_order(data: JSONBody[Order]) -> dict[str, Any]:
    if data.symbol == "EMPTY":
        raise OutOfStock()
    if data.symbol == "":
        raise BadOrder(errors=(("symbol", "must not be blank"),))
    if data.symbol == "BOOM":
        raise RuntimeError("SELECT secret FROM internals")
    return {"quantity": data.quantity}


@pytest.fixture
def app(own_app: Litestar) -> Litestar:
    own_app.register(create_order)
    return own_app


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + code)
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_a_domain_error_lists_its_field_errors(client: AsyncClient) -> None:
    response = await client.post("/test/orders", json={"quantity": 1, "symbol": ""})
    body = assert_problem(response, 422, "validation-error")
    assert body["errors"] == [{"field": "symbol", "message": "must not be blank"}]


async def test_unknown_route_is_404(client: AsyncClient) -> None:
    assert_problem(await client.get("/v1/nowhere"), 404, "not-found")


async def test_wrong_method_is_405_with_allow(client: AsyncClient) -> None:
    response = await client.delete("/health/live")
    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["allow"]


async def test_malformed_json_is_400(client: AsyncClient) -> None:
    response = await client.post(
        "/test/orders", content=b'{"quantity": 1,', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed-request")


async def test_body_over_one_mebibyte_is_413(client: AsyncClient) -> None:
    response = await client.post(
        "/test/orders",
        content=b'{"symbol": "' + b"x" * (1024 * 1024 + 1) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413, "payload-too-large")


async def test_invalid_field_is_422_naming_the_field(client: AsyncClient) -> None:
    response = await client.post("/test/orders", json={"quantity": "many", "symbol": "X"})
    body = assert_problem(response, 422, "validation-error")
    assert any("quantity" in error["field"] + error["message"] for error in body["errors"])


async def test_domain_error_is_its_own_problem_type(client: AsyncClient) -> None:
    body = assert_problem(
        await client.post("/test/orders", json={"quantity": 1, "symbol": "EMPTY"}),
        409,
        "out-of-stock",
    )
    assert (body["title"], body["detail"]) == ("该优惠券已兑完", "该优惠券已兑完。")  # the original
    english = await client.post(
        "/test/orders",
        json={"quantity": 1, "symbol": "EMPTY"},
        headers={"Accept-Language": "en"},
    )
    assert (english.json()["title"], english.json()["detail"]) == (
        "This voucher is sold out",
        "This voucher is sold out.",
    )


async def test_unexpected_error_is_500_without_internals(client: AsyncClient) -> None:
    response = await client.post("/test/orders", json={"quantity": 1, "symbol": "BOOM"})
    body = assert_problem(response, 500, "internal-error")
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text
    assert body["request_id"] in body["detail"]


async def test_request_id_is_echoed_or_created(client: AsyncClient) -> None:
    echoed = await client.get("/health/live", headers={"X-Request-ID": "app-42.retry:1"})
    assert echoed.headers["x-request-id"] == "app-42.retry:1"
    created = await client.get("/health/live")
    assert len(created.headers["x-request-id"]) == 32
    hostile = await client.get("/health/live", headers={"X-Request-ID": "a b<script>"})
    assert hostile.headers["x-request-id"] != "a b<script>"


async def test_deeply_nested_json_is_400(client: AsyncClient) -> None:
    body = b"[" * 5000 + b"]" * 5000
    response = await client.post(
        "/test/orders", content=body, headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed-request")


async def test_text_the_database_cannot_store_is_422_not_500(client: AsyncClient) -> None:
    """A NUL character reaches PostgreSQL, which refuses it (SQLSTATE 22021)."""
    response = await client.post(
        "/v1/auth/register",
        json={"email": "nul@example.com", "password": "long enough", "display_name": "a\u0000b"},
    )
    assert_problem(response, 422, "validation-error")
    login = await client.post("/v1/auth/login", json={"email": "a\u0000@x.com", "password": "x"})
    assert login.status_code in (401, 422)


async def test_a_client_hanging_up_mid_body_is_not_logged_as_a_server_error(
    app: Litestar, caplog: pytest.LogCaptureFixture
) -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/test/orders", "raw_path": b"/test/orders", "root_path": "",
        "query_string": b"", "server": ("testserver", 80), "client": ("127.0.0.1", 5000),
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"40")],
    }  # fmt: skip
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 400
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
