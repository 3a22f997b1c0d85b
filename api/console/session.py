"""The console's cookie session and CSRF tokens.

A console session is an `auth_session` row like the app's (so logout, a password or role
change and erasure end it at once, through the same session cache), carried by a signed token
in a Secure, HttpOnly, SameSite=Strict cookie scoped to `/console`. The token's audience is the
console's own: it is never accepted as a bearer token, nor a bearer token here.

Every unsafe request carries a CSRF token: the HMAC of the session id (a hidden `_csrf` field,
or the `X-CSRF-Token` header htmx sends). The sign-in form, before any session, uses a random
value in a cookie of its own, repeated in the form (double submit). A missing, stale or forged
token, and a missing, expired or ended session, send the browser to sign in, with nothing done.
"""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from litestar import Request
from litestar.datastructures import Cookie

from api.accounts.auth_middleware import load_caller
from api.accounts.caller import Caller, Role
from api.accounts.session_cache import SessionCache
from api.database import request_session
from api.locale import pick_locale
from api.settings import Settings
from core.clock import Clock

CONSOLE_PATH = "/console"
SESSION_COOKIE = "iq_console"
SIGN_IN_COOKIE = "iq_console_sign_in"
LOCALE_COOKIE = "iq_console_locale"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "X-CSRF-Token"
STAFF_STATE = "console_staff"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STAFF_ROLES = frozenset({Role.EDITOR, Role.MARKETER, Role.MODERATOR, Role.ADMIN})

_ALGORITHM = "HS256"
_ISSUER = "investquest"
_AUDIENCE = "investquest-console"


class SignInRequired(Exception):
    """No live console session, or an unsafe request without its CSRF token."""


class StaffOnly(Exception):
    """A signed-in account without the role a page needs (a learner has none of them)."""


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member of a console request."""

    caller: Caller
    csrf: str
    locale: str

    def may(self, role: Role) -> bool:
        return self.caller.has_role(role)


def is_staff(roles: frozenset[Role] | list[str]) -> bool:
    return any(Role(role) in STAFF_ROLES for role in roles)


def issue_session_token(
    secret: str, *, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime, lifetime: timedelta
) -> str:
    claims = {
        "iss": _ISSUER,
        "aud": _AUDIENCE,
        "sub": str(user_id),
        "sid": str(session_id),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def read_session_token(secret: str, token: str, *, now: datetime) -> tuple[uuid.UUID, uuid.UUID]:
    """(user id, session id) of a genuine, unexpired console token; SignInRequired otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            issuer=_ISSUER,
            options={"require": ["exp", "sub", "sid"], "verify_exp": False},
        )
        if int(claims["exp"]) <= int(now.timestamp()):
            raise SignInRequired
        return uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"])
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise SignInRequired from exc


def csrf_for(secret: str, session_id: uuid.UUID) -> str:
    return hmac.new(
        secret.encode(), f"console-csrf:{session_id}".encode(), hashlib.sha256
    ).hexdigest()


def new_sign_in_nonce() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def console_cookie(name: str, value: str, *, max_age: int) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        path=CONSOLE_PATH,
        max_age=max_age,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def ended_cookie(name: str) -> Cookie:
    return console_cookie(name, "", max_age=0)


def console_locale(request: Request[Any, Any, Any], caller: Caller | None = None) -> str:
    """The chosen language (its cookie), else Accept-Language, else the account's locale."""
    chosen = request.cookies.get(LOCALE_COOKIE)
    header = request.headers.get("accept-language")
    return pick_locale(chosen or header, caller.locale if caller else None)


async def submitted_csrf(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    form = await request.form()
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else None


async def provide_staff(request: Request[Any, Any, Any]) -> Staff:
    """The `staff` dependency of every console page behind sign-in."""
    state = request.app.state
    settings: Settings = state.settings
    clock: Clock = state.clock
    secret = settings.secret_key.get_secret_value()
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired
    now = clock.now()
    user_id, session_id = read_session_token(secret, token, now=now)
    cache: SessionCache = state.session_cache
    db = request_session(request.scope)
    caller = await cache.caller_or_load(
        session_id,
        user_id,
        now=now,
        load=lambda: load_caller(db, user_id, session_id, now=now),
    )
    if caller is None:
        raise SignInRequired
    csrf = csrf_for(secret, session_id)
    if request.method not in SAFE_METHODS and not same_token(csrf, await submitted_csrf(request)):
        raise SignInRequired
    if not is_staff(caller.roles):
        raise StaffOnly
    staff = Staff(caller=caller, csrf=csrf, locale=console_locale(request, caller))
    request.state[STAFF_STATE] = staff  # for the error pages, which get no dependencies
    return staff


def staff_of(request: Request[Any, Any, Any]) -> Staff | None:
    """The request's signed-in staff member, once `provide_staff` has found one."""
    staff = request.state.get(STAFF_STATE)
    return staff if isinstance(staff, Staff) else None


def require(staff: Staff, role: Role) -> None:
    if not staff.may(role):
        raise StaffOnly
