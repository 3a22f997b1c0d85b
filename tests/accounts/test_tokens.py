"""Bad access tokens are 401, never 500: expired, tampered, alg none, wrong audience."""

import base64
import json
import uuid
from datetime import timedelta

import jwt
import pytest
from httpx import AsyncClient, Response

from api.accounts.tokens import ALGORITHM, AUDIENCE, ISSUER
from api.settings import Settings
from core.clock import FrozenClock
from tests.factories import UserFactory


def claims(
    user_id: uuid.UUID, session_id: uuid.UUID, clock: FrozenClock, **changes: object
) -> dict[str, object]:
    now = int(clock.now().timestamp())
    base: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(user_id),
        "sid": str(session_id),
        "jti": "t",
        "iat": now,
        "exp": now + 600,
    }
    return {**base, **changes}


def problem_type(response: Response) -> str:
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def test_expired_token_is_401_token_expired(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    assert (await client.get("/v1/me", headers=user.headers)).status_code == 200
    clock.advance(timedelta(minutes=15, seconds=1))
    response = await client.get("/v1/me", headers=user.headers)
    assert problem_type(response) == "token-expired"
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_tampered_token_is_401(client: AsyncClient, user_factory: UserFactory) -> None:
    user = await user_factory()
    header, payload, signature = user.access_token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=="))
    body["sub"] = str(uuid.uuid4())
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    response = await client.get(
        "/v1/me", headers={"Authorization": f"Bearer {header}.{forged}.{signature}"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda c, s: jwt.encode(c, None, algorithm="none"), id="alg-none"),
        pytest.param(
            lambda c, s: jwt.encode({**c, "aud": "someone-else"}, s, algorithm=ALGORITHM),
            id="wrong-audience",
        ),
        pytest.param(
            lambda c, s: jwt.encode({**c, "iss": "evil"}, s, algorithm=ALGORITHM), id="wrong-issuer"
        ),
        pytest.param(
            lambda c, s: jwt.encode(c, "another-secret-of-enough-length!!", algorithm=ALGORITHM),
            id="wrong-key",
        ),
        pytest.param(
            lambda c, s: jwt.encode(
                {k: v for k, v in c.items() if k != "jti"}, s, algorithm=ALGORITHM
            ),
            id="no-jti",
        ),
        pytest.param(lambda c, s: "not.a.jwt", id="garbage"),
    ],
)
async def test_forged_tokens_are_401_token_invalid(
    client: AsyncClient,
    user_factory: UserFactory,
    settings: Settings,
    clock: FrozenClock,
    make_token: object,
) -> None:
    user = await user_factory()
    token = make_token(
        claims(user.id, user.session_id, clock), settings.secret_key.get_secret_value()
    )  # type: ignore[operator]
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert problem_type(response) == "token-invalid"
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_missing_or_odd_authorization_is_401_unauthorized(client: AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
        response = await client.get("/v1/me", headers=headers)
        assert problem_type(response) == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


async def test_a_token_of_a_logged_out_session_is_401_session_ended(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    assert (await client.post("/v1/auth/logout", headers=user.headers)).status_code == 204
    response = await client.get("/v1/me", headers=user.headers)
    assert problem_type(response) == "session-ended"
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_a_token_of_a_deleted_account_is_401_session_ended(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    assert (await client.delete("/v1/me", headers=user.headers)).status_code == 204
    assert problem_type(await client.get("/v1/me", headers=user.headers)) == "session-ended"


async def test_a_spent_refresh_token_is_401_session_ended(client: AsyncClient) -> None:
    registered = await client.post(
        "/v1/auth/register",
        json={"email": "spent@example.com", "password": "a long pass phrase", "display_name": "S"},
    )
    refresh = {"refresh_token": registered.json()["refresh_token"]}
    assert (await client.post("/v1/auth/refresh", json=refresh)).status_code == 200
    assert problem_type(await client.post("/v1/auth/refresh", json=refresh)) == "session-ended"
