"""Access tokens (short-lived JWTs, HS256 pinned) and opaque refresh tokens."""

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"
ISSUER = "investquest"
AUDIENCE = "investquest-app"
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti", "sub", "sid"]


class InvalidToken(Exception):
    """The token is malformed, forged, expired or meant for someone else."""


class ExpiredToken(InvalidToken):
    """A genuine token past its `exp`: the client refreshes it, silently."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    token_id: str


def issue_access_token(
    secret: str, *, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime, lifetime: timedelta
) -> str:
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(user_id),
        "sid": str(session_id),
        "jti": secrets.token_hex(16),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_access_token(secret: str, token: str, *, now: datetime) -> AccessClaims:
    """Verify signature, algorithm, issuer, audience and expiry; `alg: none` never passes.

    Time claims are checked against the service clock (`now`), not PyJWT's wall clock, so the
    same rule holds in tests that move time.
    """
    claims, expires = _verified(secret, token)
    if expires <= int(now.timestamp()):
        raise ExpiredToken("expired")
    return claims


# A token's claims never change, so a token verified once need not be verified again: a client
# sends the same one with every request until it expires. Only genuine tokens are kept (an
# exception is not cached), keyed by the secret too; the expiry is checked on every use.
VERIFIED_TOKENS_KEPT = 16_384


@functools.lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified(secret: str, token: str) -> tuple[AccessClaims, int]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
        )
        access = AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            token_id=str(claims["jti"]),
        )
        return access, int(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken(str(exc)) from exc


def new_refresh_token() -> tuple[str, str]:
    """A random refresh token and the hash that is stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
