"""docs/api.md is the HTTP contract as built: every route the app serves is listed there."""

import re
from pathlib import Path

from litestar import Litestar

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
# Litestar's own pages for the OpenAPI document; docs/api.md names them once, as /schema.
LITESTAR_DOCS = re.compile(r"^/schema(/(swagger|oauth2-redirect\.html|\{path:str\}))?$")
TYPED_PARAMETER = re.compile(r"\{(\w+):\w+\}")
UNTYPED = r"{\1}"


def routes_of(app: Litestar) -> set[str]:
    """`METHOD /path` for every route, path parameters without their type (`{slug}`)."""
    return {
        f"{method} {TYPED_PARAMETER.sub(UNTYPED, route.path)}"
        for route in app.routes
        if not LITESTAR_DOCS.match(route.path)
        for method in getattr(route, "methods", ())
        if method not in {"HEAD", "OPTIONS"}
    }


def documented() -> set[str]:
    rows = re.findall(r"^\| (GET|POST|PUT|PATCH|DELETE) \| (\S+) \|", API_DOC.read_text(), re.M)
    return {f"{method} {path}" for method, path in rows}


def test_every_route_is_in_the_api_doc(app: Litestar) -> None:
    assert sorted(routes_of(app) - documented()) == []


def test_the_api_doc_lists_no_route_the_app_lacks(app: Litestar) -> None:
    assert sorted(documented() - routes_of(app)) == []
