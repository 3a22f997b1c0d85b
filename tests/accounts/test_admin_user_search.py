"""Admins find a user by email, matched the way sign-up stores it."""

from httpx import AsyncClient
from litestar import Litestar

from tests.factories import UserFactory


async def test_an_admin_finds_a_user_by_email_as_sign_up_stores_it(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=["admin"])
    mei = await user_factory(roles=["editor"], email="mei.lin@example.com")
    await user_factory(email="mei.lin2@example.com")

    # Upper case and full-width characters are folded, as at sign-up and login.
    found = await client.get(
        "/v1/admin/users", params={"email": "  ＭＥＩ.Lin@Example.com "}, headers=admin.headers
    )

    assert found.status_code == 200
    (user,) = found.json()["items"]
    assert user["id"] == str(mei.id)
    assert user["email"] == "mei.lin@example.com"
    assert user["display_name"] == "mei.lin"
    assert user["roles"] == ["editor", "learner"]
    assert user["created_at"].startswith("2026-03-02")
    assert user["deleted_at"] is None


async def test_no_match_is_an_empty_list(client: AsyncClient, user_factory: UserFactory) -> None:
    admin = await user_factory(roles=["admin"])
    found = await client.get(
        "/v1/admin/users", params={"email": "nobody@example.com"}, headers=admin.headers
    )
    assert found.status_code == 200
    assert found.json() == {"items": [], "next_cursor": None}


async def test_a_malformed_email_is_422_naming_the_field(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=["admin"])
    refused = await client.get(
        "/v1/admin/users", params={"email": "not-an-email"}, headers=admin.headers
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["email"]


async def test_a_missing_email_is_a_problem_not_a_500(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=["admin"])
    refused = await client.get("/v1/admin/users", headers=admin.headers)
    assert 400 <= refused.status_code < 500
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_only_admins_may_search(client: AsyncClient, user_factory: UserFactory) -> None:
    editor = await user_factory(roles=["editor"])
    refused = await client.get(
        "/v1/admin/users", params={"email": editor.email}, headers=editor.headers
    )
    assert refused.status_code == 403
    assert (await client.get("/v1/admin/users", params={"email": editor.email})).status_code == 401


def test_the_search_is_documented_with_its_id_and_problems(app: Litestar) -> None:
    operation = app.openapi_schema.to_schema()["paths"]["/v1/admin/users"]["get"]
    assert operation["operationId"] == "findUsers"
    assert {"400", "401", "403", "422"} <= set(operation["responses"])
