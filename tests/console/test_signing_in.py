"""Signing in to the console: staff only, a secure cookie session, CSRF on every change."""

from datetime import timedelta

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from api.console.pages import CONTENT_SECURITY_POLICY
from core.clock import FrozenClock
from tests.console.conftest import csrf_of, sign_in
from tests.factories import PASSWORD, UserFactory


async def _sessions(db: AsyncSession, user_id: object) -> int:
    count = await db.scalar(
        sa.text("SELECT count(*) FROM auth_session WHERE user_id = :u"), {"u": user_id}
    )
    return int(count or 0)


async def test_editor_signs_in_with_a_strict_cookie_and_sees_only_their_pages(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    editor = await user_factory(roles=["editor"], locale="en")
    form = await console.get("/console/sign-in")
    assert form.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    answer = await console.post(
        "/console/sign-in",
        data={
            "email": editor.email,
            "password": PASSWORD,
            "_csrf": csrf_of(form.text),
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("iq_console="))
    for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/console"):
        assert flag.lower() in cookie.lower()
    home = await console.get("/console")
    assert 'href="/console/courses"' in home.text
    assert 'href="/console/vouchers"' not in home.text
    assert (await console.get("/console/vouchers")).status_code == 403


async def test_a_learner_is_refused_and_no_session_is_opened(
    console: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    learner = await user_factory(locale="en")
    before = await _sessions(db, learner.id)
    form = await console.get("/console/sign-in", headers={"Accept-Language": "en"})
    answer = await console.post(
        "/console/sign-in",
        data={
            "email": learner.email,
            "password": PASSWORD,
            "_csrf": csrf_of(form.text),
        },
        headers={"Accept-Language": "en"},
    )
    assert answer.status_code == 403
    assert "for editors, marketers, moderators and admins only" in answer.text
    assert not any(c.startswith("iq_console=") for c in answer.headers.get_list("set-cookie"))
    assert await _sessions(db, learner.id) == before


async def test_a_wrong_password_is_refused_in_the_form(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=["admin"])
    form = await console.get("/console/sign-in", headers={"Accept-Language": "en"})
    answer = await console.post(
        "/console/sign-in",
        data={"email": admin.email, "password": "not the password", "_csrf": csrf_of(form.text)},
        headers={"Accept-Language": "en"},
    )
    assert answer.status_code == 401
    assert 'role="alert"' in answer.text
    assert admin.email in answer.text  # typed again for them; the password is not


async def test_a_stale_sign_in_form_checks_nothing(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=["admin"])
    await console.get("/console/sign-in")
    answer = await console.post(
        "/console/sign-in",
        data={"email": admin.email, "password": PASSWORD, "_csrf": "forged"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in"
    assert (await console.get("/console")).status_code == 303


async def test_a_change_without_its_csrf_token_changes_nothing(
    console: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    marketer = await user_factory(roles=["marketer"])
    await sign_in(console, marketer.email)
    answer = await console.post("/console/vouchers", data={"sku": "csrf-test", "_csrf": "stale"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in"
    htmx = await console.post(
        "/console/vouchers", data={"sku": "csrf-test"}, headers={"HX-Request": "true"}
    )
    assert htmx.headers["hx-redirect"] == "/console/sign-in"
    assert (
        await db.scalar(sa.text("SELECT count(*) FROM voucher_product WHERE sku = 'csrf-test'"))
        == 0
    )


async def test_an_expired_session_goes_back_to_sign_in(
    console: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    editor = await user_factory(roles=["editor"])
    await sign_in(console, editor.email)
    clock.advance(timedelta(hours=8, seconds=1))
    answer = await console.get("/console/courses")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in"


async def test_signing_out_ends_the_session(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    editor = await user_factory(roles=["editor"])
    csrf = await sign_in(console, editor.email)
    cookie = console.cookies.get("iq_console")
    answer = await console.post("/console/sign-out", data={"_csrf": csrf})
    assert answer.status_code == 303
    console.cookies.set("iq_console", cookie or "", domain="testserver", path="/console")
    assert (await console.get("/console/courses")).status_code == 303


async def test_the_console_speaks_the_chosen_language(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    editor = await user_factory(roles=["editor"], locale="zh-CN")
    await sign_in(console, editor.email)
    assert "课程" in (await console.get("/console/courses")).text
    switched = await console.get("/console/language?set=en&next=/console/courses")
    assert switched.headers["location"] == "/console/courses"
    assert "Upload a course bundle" in (await console.get("/console/courses")).text
    away = await console.get("/console/language?set=en&next=https://elsewhere.example/")
    assert away.headers["location"] == "/console"


async def test_sign_in_is_throttled_like_the_apis_login(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    editor = await user_factory(roles=["editor"])
    page = await console.get("/console/sign-in")
    for _ in range(5):
        page = await console.post(
            "/console/sign-in",
            data={"email": editor.email, "password": "wrong guess", "_csrf": csrf_of(page.text)},
        )
        assert page.status_code == 401
    right = {"email": editor.email, "password": PASSWORD, "_csrf": csrf_of(page.text)}
    refused = await console.post("/console/sign-in", data=right)
    assert refused.status_code == 429
    assert not any(c.startswith("iq_console=") for c in refused.headers.get_list("set-cookie"))
