"""Every route with a JSON body reads it the same way: JSON only (415), UTF-8 only (400),
strict types, and a 422 that lists every bad field in plain words.

The route walks find the routes in the app itself, so a new route is covered without a test."""

import re
import uuid

import pytest
from httpx import AsyncClient
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.accounts.partners import PARTNER_KEY_HEADER, create_partner
from core.clock import FrozenClock
from tests.factories import UserFactory

_PATH_PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
LIBRARY_WORDING = re.compile(r"Expected|`|regex|\$\.|length [<>]=")


def _concrete(path: str) -> str:
    """A path template with its parameters filled in (the resources need not exist)."""
    return _PATH_PARAMETER.sub(lambda m: str(uuid.uuid4()) if m[2] == "uuid" else "ABCD-2345", path)


def json_body_routes(app: Litestar) -> list[tuple[str, str]]:
    """(method, path) of every route whose handler takes a `data` body, from the app's routes."""
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if isinstance(handler, HTTPRouteHandler) and handler.parsed_data_field is not None:
                found += [
                    (method, _concrete(route.path)) for method in sorted(handler.http_methods)
                ]
    return found


@pytest.fixture
async def callers(
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> dict[str, dict[str, str]]:
    """Credentials that get past authentication and every role guard, so the body is read."""
    admin = await user_factory(roles=["admin"])
    async with sessionmaker.begin() as db:
        _, key = await create_partner(db, clock, name=f"broker-{uuid.uuid4().hex[:6]}")
    return {
        "user": {**admin.headers, "Idempotency-Key": str(uuid.uuid4())},
        "partner": {PARTNER_KEY_HEADER: key},
    }


def _headers(callers: dict[str, dict[str, str]], path: str) -> dict[str, str]:
    return callers["partner" if path.startswith("/v1/partner/") else "user"]


def test_the_walk_finds_the_json_routes(app: Litestar) -> None:
    routes = json_body_routes(app)
    assert ("POST", "/v1/auth/login") in routes
    assert ("PATCH", "/v1/me") in routes
    assert len(routes) >= 15


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"email":"\xff@example.com","password":"x"}', id="invalid-byte"),
        pytest.param(b'{"email":"\xc0\xaf@example.com","password":"x"}', id="overlong"),
    ],
)
async def test_invalid_utf8_is_400_on_every_json_route(
    app: Litestar, client: AsyncClient, callers: dict[str, dict[str, str]], body: bytes
) -> None:
    answers = {}
    for method, path in json_body_routes(app):
        headers = {**_headers(callers, path), "Content-Type": "application/json"}
        response = await client.request(method, path, content=body, headers=headers)
        answers[method, path] = (response.status_code, response.json()["type"].rsplit("/")[-1])
    assert set(answers.values()) == {(400, "malformed-request")}, answers


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/json; charset=latin-1",
        None,
    ],
)
async def test_a_body_of_another_media_type_is_415_on_every_json_route(
    app: Litestar,
    client: AsyncClient,
    callers: dict[str, dict[str, str]],
    content_type: str | None,
) -> None:
    answers = {}
    for method, path in json_body_routes(app):
        headers = _headers(callers, path)
        if content_type is not None:
            headers = {**headers, "Content-Type": content_type}
        response = await client.request(method, path, content=b'{"reason": "x"}', headers=headers)
        answers[method, path] = (response.status_code, response.json()["type"].rsplit("/")[-1])
    assert set(answers.values()) == {(415, "unsupported-media-type")}, answers


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
async def test_json_with_a_charset_or_a_json_suffix_is_accepted(
    client: AsyncClient, user_factory: UserFactory, content_type: str
) -> None:
    user = await user_factory()
    response = await client.patch(
        "/v1/me",
        content=b'{"display_name": "Mei"}',
        headers={**user.headers, "Content-Type": content_type},
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "Mei"


@pytest.mark.parametrize("amount", [b'"5"', b"1.0", b"1e2", b"true"])
async def test_a_number_that_is_not_an_integer_is_422_and_credits_nothing(
    client: AsyncClient, user_factory: UserFactory, amount: bytes
) -> None:
    admin = await user_factory(roles=["admin"])
    learner = await user_factory()
    body = b'{"user_id": "%s", "amount": %s, "reason": "goodwill"}' % (
        str(learner.id).encode(),
        amount,
    )
    response = await client.post(
        "/v1/admin/ledger/adjustments",
        content=body,
        headers={
            **admin.headers,
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "amount", "message": "must be a whole number"}]
    wallet = await client.get("/v1/me/wallet", headers=learner.headers)
    assert wallet.json()["points"] == 0


async def test_query_parameters_still_convert_from_text(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    assert (await client.get("/v1/me/ledger?limit=5", headers=user.headers)).status_code == 200


async def test_every_bad_field_is_listed_at_once_in_plain_words(client: AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/register",
        json={"password": 5, "display_name": "", "locale": "fr", "is_admin": True},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "email", "message": "is required"},
        {"field": "password", "message": "must be text"},
        {"field": "display_name", "message": "must be at least 1 character"},
        {"field": "locale", "message": "must be one of: en, zh-CN"},
        {"field": "is_admin", "message": "is not a field of this request"},
    ]


async def test_too_long_and_wrong_pattern_are_said_in_words(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    marketer = await user_factory(roles=["marketer"])
    response = await client.post(
        "/v1/admin/voucher-products",
        json={"sku": "Bad SKU!", "kind": "fee", "title": "x" * 121, "terms": {}},
        headers=marketer.headers,
    )
    assert response.status_code == 422
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert errors["sku"].startswith("may use only lowercase letters")
    assert errors["title"] == "must be at most 120 characters"
    assert errors["points_price"] == "is required"
    assert not [message for message in errors.values() if LIBRARY_WORDING.search(message)]


async def test_nested_fields_are_named_by_a_dotted_path(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    response = await client.post(
        f"/v1/lessons/{uuid.uuid4()}/quiz-attempts",
        json={"answers": {"q1": "a", "q2": ["b"], "q3": [7]}},
        headers=user.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "answers.q1", "message": "must be a list"},
        {"field": "answers.q3[0]", "message": "must be text"},
    ]


async def test_query_parameter_errors_are_in_plain_words(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    response = await client.get("/v1/me/ledger?limit=0", headers=user.headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "limit", "message": "must be at least 1"}]


async def test_a_missing_body_is_named_as_the_body(client: AsyncClient) -> None:
    response = await client.post("/v1/auth/login")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "body", "message": "is required: send a JSON object"}
    ]
