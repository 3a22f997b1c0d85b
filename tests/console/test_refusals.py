"""What the console refuses, in pages: unknown objects, pages beyond the caller's roles, and
text that could be markup in a chart."""

import uuid

from httpx import AsyncClient

from api.console.charts import Bars, bar_chart, line_chart
from tests.console.conftest import sign_in
from tests.factories import UserFactory


async def test_unknown_objects_are_404_pages(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=["admin"], locale="en")
    csrf = await sign_in(console, admin.email)
    for path in (
        "/console/courses/no-such-course",
        f"/console/vouchers/{uuid.uuid4()}",
        f"/console/contests/{uuid.uuid4()}",
    ):
        answer = await console.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
    edit = await console.post(f"/console/vouchers/{uuid.uuid4()}", data={"_csrf": csrf})
    assert edit.status_code in (404, 422)
    assert edit.headers["content-type"].startswith("text/html")


async def test_pages_beyond_the_callers_roles_are_refused(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    moderator = await user_factory(roles=["moderator"])
    csrf = await sign_in(console, moderator.email)
    for path in ("/console/courses", "/console/vouchers", "/console/contests", "/console/audit"):
        assert (await console.get(path)).status_code == 403, path
    refused = await console.post("/console/vouchers", data={"_csrf": csrf, "sku": "x"})
    assert refused.status_code == 403


async def test_a_bearer_token_opens_no_console_page(
    console: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=["admin"])
    answer = await console.get("/console/audit", headers=admin.headers)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in"


def test_chart_text_is_escaped() -> None:
    bars = str(bar_chart("<b>", [Bars("<script>alert(1)</script>", [3, 4])], ["a&b", "c"]))
    assert "<script>" not in bars
    assert "&lt;script&gt;" in bars
    assert "a&amp;b" in bars
    lines = str(line_chart("t", ["<d>"], {"<s>": [1.0]}))
    assert "<d>" not in lines
    assert "<s>" not in lines
