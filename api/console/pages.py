"""How a console page is answered: its template with the language, the signed-in staff member
and the navigation they may use; the Content-Security-Policy every console answer carries;
and where a request without a live session (or a stale CSRF token) is sent."""

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.datastructures import MutableScopeHeaders
from litestar.response import Redirect, Template
from litestar.types import Message

from api.accounts.caller import Role
from api.console.forms import domain_problem, status_of
from api.console.session import (
    CONSOLE_PATH,
    SignInRequired,
    Staff,
    StaffOnly,
    console_locale,
    staff_of,
)
from api.console.texts import Texts, texts_for
from core.errors import DomainError

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SIGN_IN_PATH = f"{CONSOLE_PATH}/sign-in"


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str
    role: Role


NAVIGATION = (
    NavItem("courses", f"{CONSOLE_PATH}/courses", Role.EDITOR),
    NavItem("vouchers", f"{CONSOLE_PATH}/vouchers", Role.MARKETER),
    NavItem("contests", f"{CONSOLE_PATH}/contests", Role.MARKETER),
    NavItem("campaigns", f"{CONSOLE_PATH}/campaigns", Role.MARKETER),
    NavItem("moderation", f"{CONSOLE_PATH}/moderation", Role.MODERATOR),
    NavItem("outcomes", f"{CONSOLE_PATH}/outcomes", Role.MARKETER),
    NavItem("audit", f"{CONSOLE_PATH}/audit", Role.ADMIN),
)


def render(
    request: Request[Any, Any, Any],
    template: str,
    *,
    staff: Staff | None,
    status: int = 200,
    page: str | None = None,
    **context: Any,
) -> Template:
    """The page; `page` is its own address when it answers a form posted elsewhere: the
    browser shows that address (htmx's `HX-Push-Url`), and the language links return to it."""
    locale = staff.locale if staff else console_locale(request)
    texts = texts_for(locale)
    navigation = [item for item in NAVIGATION if staff and staff.may(item.role)]
    return Template(
        template_name=template,
        context={
            "t": texts,
            "locale": locale,
            "staff": staff,
            "navigation": navigation,
            "path": page or request.url.path,
            **context,
        },
        status_code=status,
        headers={"HX-Push-Url": page} if page and page != request.url.path else None,
    )


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def to_sign_in(request: Request[Any, Any, Any], _: SignInRequired) -> Response[Any]:
    """Sign in again: a full page load for htmx (HX-Redirect), else 303 See Other."""
    if is_htmx(request):
        return Response(content=b"", status_code=200, headers={"HX-Redirect": SIGN_IN_PATH})
    return Redirect(SIGN_IN_PATH, status_code=303)


def staff_only(request: Request[Any, Any, Any], _: StaffOnly) -> Response[Any]:
    staff = staff_of(request)
    texts: Texts = texts_for(staff.locale if staff else console_locale(request))
    message = texts("not_your_page" if staff else "staff_only")
    return render(request, "forbidden.html.j2", staff=staff, status=403, message=message)


def domain_error_page(request: Request[Any, Any, Any], error: DomainError) -> Response[Any]:
    """A refusal no form shows (an unknown course or product): a page saying it, with the
    status the API would answer; the request's writes are rolled back."""
    staff = staff_of(request)
    problem = domain_problem(error, staff.locale if staff else console_locale(request))
    return render(request, "error.html.j2", staff=staff, status=status_of(error), problem=problem)


async def add_content_security_policy(message: Message, scope: Any) -> None:
    """A `before_send` hook of the console: no inline script or style, nothing from elsewhere."""
    if message["type"] == "http.response.start" and scope["path"].startswith(CONSOLE_PATH):
        headers = MutableScopeHeaders.from_message(message)
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
