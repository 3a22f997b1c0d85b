"""Signing in and out of the console, its home page and the language switch.

Sign-in checks the password under the same throttles as the API's login
(`api.accounts.sessions.authenticate`); a learner's correct password opens nothing."""

from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.models import AuthSession
from api.accounts.sessions import authenticate, revoke_sessions
from api.console.forms import status_of
from api.console.pages import SIGN_IN_PATH, render
from api.console.session import (
    CONSOLE_PATH,
    CSRF_FIELD,
    LOCALE_COOKIE,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    Staff,
    console_cookie,
    console_locale,
    ended_cookie,
    is_staff,
    issue_session_token,
    new_sign_in_nonce,
    same_token,
)
from api.console.texts import texts_for
from api.settings import Settings
from core.clock import Clock
from core.errors import CommittedRefusal, DomainError
from courses.bundle import LOCALES

SIGN_IN_NONCE_SECONDS = 3600
LOCALE_COOKIE_SECONDS = 365 * 24 * 3600


def _sign_in_page(
    request: Request[Any, Any, Any], *, status: int = 200, message: str = "", email: str = ""
) -> Template:
    """The form, with a fresh double-submit nonce in its cookie and its hidden field."""
    nonce = new_sign_in_nonce()
    page = render(
        request,
        "sign_in.html.j2",
        staff=None,
        status=status,
        nonce=nonce,
        message=message,
        email=email,
    )
    page.cookies.append(console_cookie(SIGN_IN_COOKIE, nonce, max_age=SIGN_IN_NONCE_SECONDS))
    return page


class SignInController(Controller):
    path = "/"
    include_in_schema = False

    @get("/sign-in")
    async def sign_in_form(self, request: Request[Any, Any, Any]) -> Template:
        return _sign_in_page(request)

    @post("/sign-in", status_code=303)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        clock: NamedDependency[Clock],
    ) -> Template | Redirect:
        form = await request.form()
        if not same_token(request.cookies.get(SIGN_IN_COOKIE), form.get(CSRF_FIELD)):
            return Redirect(SIGN_IN_PATH, status_code=303)  # a stale form: nothing checked
        email = str(form.get("email") or "")
        t = texts_for(console_locale(request))
        now = clock.now()
        try:
            account = await authenticate(
                db,
                settings,
                email=email,
                password=str(form.get("password") or ""),
                client_ip=request.client.host if request.client else "unknown",
                now=now,
            )
        except CommittedRefusal as refusal:  # the failure commits: it counts for throttling
            error = refusal.error
            message = error.detail_in(console_locale(request))
            return _sign_in_page(request, status=401, message=message, email=email)
        except DomainError as error:  # throttled: 429, as the API's login
            message = error.detail_in(console_locale(request))
            return _sign_in_page(request, status=status_of(error), message=message, email=email)
        if not is_staff(account.roles):
            return _sign_in_page(request, status=403, message=t("staff_only"), email=email)
        session = AuthSession(user_id=account.id, created_at=now)
        db.add(session)
        await db.flush()
        lifetime = timedelta(hours=settings.console_session_hours)
        token = issue_session_token(
            settings.secret_key.get_secret_value(),
            user_id=account.id,
            session_id=session.id,
            now=now,
            lifetime=lifetime,
        )
        redirect = Redirect(CONSOLE_PATH, status_code=303)
        redirect.cookies.append(
            console_cookie(SESSION_COOKIE, token, max_age=int(lifetime.total_seconds()))
        )
        redirect.cookies.append(ended_cookie(SIGN_IN_COOKIE))
        return redirect

    @post("/sign-out", status_code=303)
    async def sign_out(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        staff: NamedDependency[Staff],
    ) -> Redirect:
        await revoke_sessions(
            db, session_id=staff.caller.session_id, now=clock.now(), reason="console-sign-out"
        )
        redirect = Redirect(SIGN_IN_PATH, status_code=303)
        redirect.cookies.append(ended_cookie(SESSION_COOKIE))
        return redirect

    @get("/")
    async def home(
        self, request: Request[Any, Any, Any], staff: NamedDependency[Staff]
    ) -> Template:
        return render(request, "home.html.j2", staff=staff)

    @get("/language")
    async def language(
        self,
        chosen: Annotated[str, QueryParameter(name="set", max_length=8)] = "zh-CN",
        back_to: Annotated[str, QueryParameter(name="next", max_length=500)] = CONSOLE_PATH,
    ) -> Redirect:
        """Remember the chosen language, and go back to the console page it was chosen on."""
        on_console = back_to == CONSOLE_PATH or back_to.startswith(f"{CONSOLE_PATH}/")
        redirect = Redirect(back_to if on_console else CONSOLE_PATH, status_code=303)
        if chosen in LOCALES:
            redirect.cookies.append(
                console_cookie(LOCALE_COOKIE, chosen, max_age=LOCALE_COOKIE_SECONDS)
            )
        return redirect
