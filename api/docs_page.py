"""The documentation page at `/schema`: Swagger UI, served from the pinned `swagger-ui-bundle-v2`
package by the app itself, so it works offline and behind a firewall (Litestar's default loads
Scalar, unpinned, from a CDN)."""

from pathlib import Path

from litestar import get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.params import FromPath
from litestar.response import File
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

ASSETS_PATH = "/schema/assets"
# The files the page loads; nothing else in the package is served.
ASSETS = frozenset(
    {
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-ui.css",
        "favicon-32x32.png",
    }
)


def docs_render_plugin() -> SwaggerRenderPlugin:
    return SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )


@get(
    f"{ASSETS_PATH}/{{name:str}}",
    include_in_schema=False,
    sync_to_thread=False,
    cache_control=CacheControlHeader(max_age=3600, public=True),
)
def docs_asset(name: FromPath[str]) -> File:
    if name not in ASSETS:
        raise NotFoundException(f"There is no documentation asset {name}.")
    return File(path=Path(swagger_ui_path) / name, content_disposition_type="inline")
