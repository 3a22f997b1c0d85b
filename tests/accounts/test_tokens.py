"""Bad access tokens are 401, never 500: expired, tampered, alg none, wrong audience."""

import base64
import json
import uuid
from datetime import timedelta

import jwt
import pytest
from httpx import AsyncClient

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


async def test_expired_token_is_401(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    assert (await client.get("/v1/me", headers=user.headers)).status_code == 200
    clock.advance(timedelta(minutes=15, seconds=1))
    assert (await client.get("/v1/me", headers=user.headers)).status_code == 401


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
async def test_forged_tokens_are_401(
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
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_missing_or_odd_authorization_is_401(client: AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
        assert (await client.get("/v1/me", headers=headers)).status_code == 401
