"""Sign-up, login, throttling, refresh rotation, logout and password change."""

import asyncio
from datetime import timedelta

import pytest
from httpx import AsyncClient

from core.clock import FrozenClock
from tests.factories import PASSWORD, UserFactory


async def register(client: AsyncClient, email: str = "mei@example.com", **extra: object) -> dict:  # type: ignore[type-arg]
    body = {"email": email, "password": "a long passphrase", "display_name": "Mei", **extra}
    response = await client.post("/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_register_returns_the_user_and_working_tokens(client: AsyncClient) -> None:
    body = await register(client, birthday="2003-05-01", locale="en")
    assert body["user"]["email"] == "mei@example.com"
    assert body["user"]["roles"] == ["learner"]
    assert body["user"]["lifecycle_stage"] == "new"
    assert body["expires_in"] == 15 * 60
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["locale"] == "en"


async def test_duplicate_email_is_409(client: AsyncClient) -> None:
    await register(client)
    again = await client.post(
        "/v1/auth/register",
        json={"email": "MEI@example.com", "password": "another passphrase", "display_name": "M"},
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("/email-taken")


async def test_malformed_email_and_weak_passwords_are_422_naming_the_field(
    client: AsyncClient,
) -> None:
    cases = [
        ({"email": "not-an-email", "password": "long enough pass"}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "longname@example.com", "password": "longname@example.com"}, "password"),
        ({"email": "x@example.com", "password": "p" * 129}, "password"),
    ]
    for body, field in cases:
        response = await client.post("/v1/auth/register", json={**body, "display_name": "X"})
        assert response.status_code == 422, body
        assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_login_answers_the_same_401_for_unknown_email_and_wrong_password(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    wrong = await client.post("/v1/auth/login", json={"email": user.email, "password": "nope nope"})
    unknown = await client.post(
        "/v1/auth/login", json={"email": "ghost@example.com", "password": "nope nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    good = await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert good.status_code == 200
    assert set(good.json()) >= {"access_token", "refresh_token", "expires_in"}


async def test_five_failures_on_an_account_throttle_it_with_retry_after(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    for _ in range(5):
        failed = await client.post(
            "/v1/auth/login", json={"email": user.email, "password": "wrong pass"}
        )
        assert failed.status_code == 401
    blocked = await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60 + 1
    clock.advance(timedelta(minutes=16))
    assert (
        await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    ).status_code == 200


async def test_fifty_failures_from_one_address_throttle_it(client: AsyncClient) -> None:
    for number in range(50):
        body = {"email": f"probe{number}@example.com", "password": "guessing"}
        assert (await client.post("/v1/auth/login", json=body)).status_code == 401
    blocked = await client.post(
        "/v1/auth/login", json={"email": "probe99@example.com", "password": "x"}
    )
    assert blocked.status_code == 429


async def test_refresh_rotates_and_a_spent_token_revokes_the_session(client: AsyncClient) -> None:
    tokens = await register(client)
    first = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert first.status_code == 200
    rotated = first.json()
    reuse = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reuse.status_code == 401
    # The whole session is gone: the rotated pair no longer works either.
    headers = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert (await client.get("/v1/me", headers=headers)).status_code == 401
    again = await client.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert again.status_code == 401


@pytest.mark.committing
async def test_ten_concurrent_refreshes_of_one_token_let_exactly_one_through(
    client: AsyncClient,
) -> None:
    tokens = await register(client)
    responses = await asyncio.gather(
        *(
            client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
            for _ in range(10)
        )
    )
    assert sorted(r.status_code for r in responses) == [200] + [401] * 9


async def test_logout_ends_the_session(client: AsyncClient, user_factory: UserFactory) -> None:
    user = await user_factory()
    assert (await client.post("/v1/auth/logout", headers=user.headers)).status_code == 204
    assert (await client.get("/v1/me", headers=user.headers)).status_code == 401


async def test_changing_the_password_revokes_every_session(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    other = await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    other_headers = {"Authorization": f"Bearer {other.json()['access_token']}"}
    wrong = await client.post(
        "/v1/me/password",
        json={"current_password": "not it at all", "new_password": "a brand new phrase"},
        headers=user.headers,
    )
    assert wrong.status_code == 422
    changed = await client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a brand new phrase"},
        headers=user.headers,
    )
    assert changed.status_code == 204
    assert (await client.get("/v1/me", headers=user.headers)).status_code == 401
    assert (await client.get("/v1/me", headers=other_headers)).status_code == 401
    relogin = await client.post(
        "/v1/auth/login", json={"email": user.email, "password": "a brand new phrase"}
    )
    assert relogin.status_code == 200
