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

import sqlalchemy as sa
from litestar.exceptions import NotAuthorizedException
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
from api.accounts.caller import Caller, PartnerCaller, caller_of
from api.accounts.models import AuthSession, UserAccount
from api.accounts.partners import PARTNER_KEY_HEADER, authenticate_partner
from api.accounts.session_cache import SessionCache
from api.accounts.tokens import AccessClaims, ExpiredToken, InvalidToken, read_access_token
from api.database import request_session
from api.settings import Settings
from core.clock import Clock
from core.driver_reads import DriverRead

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


# Compiled once: matched on every request.
_PUBLIC = re.compile("|".join(PUBLIC_PATHS))
_PUBLIC_GET = re.compile("|".join(PUBLIC_GET_PATHS))
_EXCLUDE_OPT_KEY = "exclude_from_auth"  # a route handler's opt, as Litestar names it


async def authenticate(scope: Scope) -> None:
    """Put the caller in `scope["user"]` (and the token's claims in `scope["auth"]`), read
    through the request's session (`api.database`), which this neither opens, commits nor
    closes. Public paths, OPTIONS and routes with `exclude_from_auth` are left alone."""
    handler = scope.get("route_handler")
    if (
        scope.get("method") == "OPTIONS"
        or _PUBLIC.search(scope["path"])
        or (handler is not None and handler.opt.get(_EXCLUDE_OPT_KEY))
    ):
        return
    scope["user"], scope["auth"] = await _caller_and_claims(scope)


async def _caller_and_claims(scope: Scope) -> tuple[object, AccessClaims | None]:
    state = scope["litestar_app"].state
    clock: Clock = state.clock
    db = request_session(scope)
    if scope["path"].startswith(PARTNER_PATH_PREFIX):
        key = _header(scope, _PARTNER_KEY)
        return await _partner_from_key(db, key, now=clock.now()), None
    header = _header(scope, b"authorization")
    if (
        header is None
        and scope.get("method") in ("GET", "HEAD")
        and _PUBLIC_GET.search(scope["path"])
    ):
        return None, None
    token = _bearer_token(header)
    settings: Settings = state.settings
    try:
        claims = read_access_token(settings.secret_key.get_secret_value(), token, now=clock.now())
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
    return caller, claims


_PARTNER_KEY = PARTNER_KEY_HEADER.lower().encode()


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of a header (`name` in lower case, as ASGI gives names)."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


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


# Built once and sent straight to the driver: this runs on every authenticated request the
# session cache cannot answer (the ORM's load of the row cost about 0.5 ms of CPU).
_LIVE_CALLER = DriverRead(
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
    """The live user behind a live session, in one indexed read. The account is built from the
    row, in no session: the caller may be cached and shared by later requests, so a handler
    that changes the account writes its own statement (and reads its own copy)."""
    row = await _LIVE_CALLER.first(db, session_id=session_id, user_id=user_id)
    if row is None:
        return None
    account = UserAccount.model_construct(**dict(row.items()))  # the database's own values
    return caller_of(account, session_id, now=now)
