"""Authentication for every route except one short public list (and the catalogue, which
reads a token when one is sent and answers without one too).

Bearer access tokens everywhere; `X-Partner-Key` (and nothing else) under `/v1/partner/`. The
token's session and user are checked in the database, or in a per-process cache that every
replica empties at once on a change (`api.accounts.session_cache`), so logout, a password
change, a role change or an erased account take effect at once, not when the token expires.
"""

import re
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.bearer_problems import (
    SESSION_ENDED,
    TOKEN_EXPIRED,
    TOKEN_INVALID,
    TOKEN_MISSING,
    bearer_problem,
)
from api.accounts.caller import Caller, PartnerCaller, Role
from api.accounts.models import AuthSession, UserAccount
from api.accounts.partners import PARTNER_KEY_HEADER, authenticate_partner
from api.accounts.session_cache import SessionCache
from api.accounts.suitability import effective_risk_profile
from api.accounts.tokens import ExpiredToken, InvalidToken, read_access_token
from api.database import request_session
from api.settings import Settings
from core.clock import Clock

PUBLIC_PATHS = [
    "^/v1/auth/register$",
    "^/v1/auth/login$",
    "^/v1/auth/refresh$",
    "^/health/",
    "^/metrics$",
    "^/schema",
    "^/console(/|$)",  # the staff console: its own cookie session (api/console/session.py)
]
# GET only: a token is optional here (and checked when sent); without one the caller is None.
PUBLIC_GET_PATHS = [
    "^/v1/courses$",
    "^/v1/courses/[^/]+$",
]
PARTNER_PATH_PREFIX = "/v1/partner/"


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Reads the caller through the request's session (`api.database`), which it neither opens,
    commits nor closes."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        state = connection.app.state
        db = request_session(connection.scope)
        if connection.scope["path"].startswith(PARTNER_PATH_PREFIX):
            partner = await _partner_from_key(
                db, connection.headers.get(PARTNER_KEY_HEADER), now=state.clock.now()
            )
            return AuthenticationResult(user=partner, auth=None)
        header = connection.headers.get("authorization")
        if header is None and _public_get(connection.scope):
            return AuthenticationResult(user=None, auth=None)
        token = _bearer_token(header)
        settings: Settings = state.settings
        clock: Clock = state.clock
        try:
            claims = read_access_token(
                settings.secret_key.get_secret_value(), token, now=clock.now()
            )
        except ExpiredToken as exc:
            raise bearer_problem(TOKEN_EXPIRED) from exc
        except InvalidToken as exc:
            raise bearer_problem(TOKEN_INVALID) from exc
        cache: SessionCache = state.session_cache
        caller = await cache.caller_or_load(
            claims.session_id,
            claims.user_id,
            now=clock.now(),
            load=lambda: load_caller(db, claims.user_id, claims.session_id, now=clock.now()),
        )
        if caller is None:
            raise bearer_problem(SESSION_ENDED)
        return AuthenticationResult(user=caller, auth=claims)


def _public_get(scope: Scope) -> bool:
    return scope.get("method") in ("GET", "HEAD") and any(
        re.search(pattern, scope["path"]) for pattern in PUBLIC_GET_PATHS
    )


def _bearer_token(header: str | None) -> str:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise bearer_problem(TOKEN_MISSING)
    return token.strip()


async def _partner_from_key(db: AsyncSession, key: str | None, *, now: datetime) -> PartnerCaller:
    if not key:
        raise NotAuthorizedException(f"Partner routes need an {PARTNER_KEY_HEADER} header.")
    partner = await authenticate_partner(db, key, now=now)  # the key's use commits with the call
    if partner is None:
        raise NotAuthorizedException("The partner key is not valid.")
    return partner


# Built once: this runs on every authenticated request.
_LIVE_CALLER = (
    sa.select(UserAccount)
    .join(AuthSession, col(AuthSession.user_id) == col(UserAccount.id))
    .where(
        col(AuthSession.id) == sa.bindparam("session_id"),
        col(UserAccount.id) == sa.bindparam("user_id"),
        col(AuthSession.revoked_at).is_(None),
        col(UserAccount.deleted_at).is_(None),
    )
)


async def load_caller(
    db: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID, *, now: datetime
) -> Caller | None:
    """The live user behind a live session, in one indexed read. The account is detached from
    `db`: the caller may be cached and shared by later requests, so a handler that changes the
    account loads its own copy."""
    params = {"session_id": session_id, "user_id": user_id}
    account = (await db.execute(_LIVE_CALLER, params)).scalar_one_or_none()
    if account is None:
        return None
    db.expunge(account)
    return Caller(
        user_id=account.id,
        session_id=session_id,
        roles=frozenset(Role(role) for role in account.roles),
        locale=account.locale,
        timezone=account.timezone,
        risk_profile=effective_risk_profile(account, now),
        created_at=account.created_at,
        account=account,
    )
