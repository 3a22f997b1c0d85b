"""The console's tests talk to it over HTTPS (its cookies are Secure), signed in through its
own form."""

import re
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient
from litestar import Litestar

from tests.factories import PASSWORD

_HIDDEN_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _HIDDEN_CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def sign_in(client: AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form; the CSRF token of the console's pages."""
    form = await client.get("/console/sign-in")
    answer = await client.post(
        "/console/sign-in",
        data={"email": email, "password": password, "_csrf": csrf_of(form.text)},
    )
    assert answer.status_code == 303, answer.text
    home = await client.get("/console")
    assert home.status_code == 200
    return csrf_of(home.text)


@pytest.fixture
async def console(app: Litestar) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app)  # type: ignore[arg-type]
    async with AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client
