"""The documentation page at /schema works offline: every script, style sheet and icon it
loads is served by the app itself, from the pinned Swagger UI package."""

import re

from httpx import AsyncClient

ASSET_REFERENCE = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=['\"]([^'\"]+)['\"]")


async def test_docs_page_loads_nothing_from_outside_the_app(client: AsyncClient) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assets = ASSET_REFERENCE.findall(page.text)
    assert assets, "the page references no script or style sheet"
    assert [url for url in assets if re.match(r"(?:https?:)?//", url)] == []
    for url in assets:
        answer = await client.get(url)
        assert answer.status_code == 200, url
        assert answer.content, url


async def test_only_the_files_the_page_loads_are_served(client: AsyncClient) -> None:
    answer = await client.get("/schema/assets/index.html")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
