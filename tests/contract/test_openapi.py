"""The OpenAPI document is what generated clients are built from: it must name each operation
briefly, give each schema one name, and describe every error as the problem the server sends."""

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from api.problems import PROBLEM_MEDIA_TYPE
from api.timestamps import TIMESTAMP_EXAMPLE

LOWER_CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z]*$")
HTTP_METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture
def document(app: Litestar) -> dict[str, Any]:
    schema: dict[str, Any] = app.openapi_schema.to_schema()
    return schema


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_every_operation_id_is_short_lower_camel_case(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert [i for i in ids if not LOWER_CAMEL_CASE.match(i) or len(i) > 30] == []
    assert len(ids) == len(set(ids))


def test_schema_names_are_plain_and_unique(document: dict[str, Any]) -> None:
    """Litestar prefixes a module path when two structs share a name, and client generators then
    drop both (openapi-python-client lost LessonOut and QuizOut that way)."""
    names = list(document["components"]["schemas"])
    assert [n for n in names if "_schemas_" in n] == []
    assert len({n.lower() for n in names}) == len(names)


def test_every_error_response_is_a_problem(document: dict[str, Any]) -> None:
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    wrong = [
        f"{method} {path} {status}"
        for method, path, op in operations(document)
        for status, response in op["responses"].items()
        if int(status) >= 400 and response.get("content") != problem
    ]
    assert wrong == []


def test_every_authenticated_operation_declares_401(document: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for method, path, op in operations(document)
        if op.get("security") and "401" not in op["responses"]
    ]
    assert missing == []


def test_every_role_guarded_route_declares_403(app: Litestar) -> None:
    missing = [
        f"{sorted(handler.http_methods)} {route.path}"
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if isinstance(handler, HTTPRouteHandler)
        and handler.resolve_include_in_schema()  # documented routes (not /metrics)
        and handler.resolve_guards()
        and 403 not in (handler.responses or {})
    ]
    assert missing == []


@pytest.mark.parametrize("path", ["/v1/vouchers/redemptions", "/v1/admin/ledger/adjustments"])
def test_idempotency_key_is_documented_as_required(document: dict[str, Any], path: str) -> None:
    (key,) = [
        p for p in document["paths"][path]["post"]["parameters"] if p["name"] == "Idempotency-Key"
    ]
    assert key["required"] is True


def date_time_schemas(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for item in node for found in date_time_schemas(item)]
    if not isinstance(node, dict):
        return []
    found = [node] if node.get("format") == "date-time" else []
    return found + [f for value in node.values() for f in date_time_schemas(value)]


def test_every_time_is_documented_with_its_one_format(document: dict[str, Any]) -> None:
    times = date_time_schemas(document)
    assert len(times) > 10
    assert [t for t in times if t.get("examples") != [TIMESTAMP_EXAMPLE]] == []
    assert TIMESTAMP_EXAMPLE in document["info"]["description"]


def response_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    content = operation["responses"].get("200", {}).get("content", {})
    schema: dict[str, Any] = content.get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    return document["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


# Lists whose shape the contract (API.md) fixes otherwise: a window of bars (`limit` only),
# a leaderboard (top N with `as_of` and `me`), and contest standings (a page that also says
# when it was computed and frozen).
NOT_PAGES = {"GET /v1/instruments/{symbol}/bars", "GET /v1/contests/{contest_id}/leaderboard"}
# Pages that carry figures about the whole list beside it (the API names them).
PAGE_EXTRAS = {
    "GET /v1/admin/contests/{contest_id}/standings": {
        "as_of",
        "entrants",
        "frozen_at",
        "finalised_at",
    },
    "GET /v1/me/inbox": {"unread"},
}


def test_every_list_is_one_page_shape(document: dict[str, Any]) -> None:
    """Every list answers `{items, next_cursor}`, and every paged route takes `cursor`."""
    odd = []
    for method, path, op in operations(document):
        route = f"{method} {path}"
        properties = set(response_schema(document, op).get("properties", {}))
        takes_cursor = any(p["name"] == "cursor" for p in op.get("parameters", []))
        if route in NOT_PAGES:
            continue
        properties -= PAGE_EXTRAS.get(route, set())
        if ("items" in properties or takes_cursor) and properties != {"items", "next_cursor"}:
            odd.append(route)
    assert odd == []
