"""The documentation page at `/schema`: Swagger UI, served from the pinned `swagger-ui-bundle-v2`
package by the app itself, so it works offline and behind a firewall (Litestar's default loads
Scalar, unpinned, from a CDN)."""

from litestar import Router
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

ASSETS_PATH = "/schema/assets"


def docs_render_plugin() -> SwaggerRenderPlugin:
    return SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )


def docs_assets_router() -> Router:
    return create_static_files_router(
        path=ASSETS_PATH, directories=[swagger_ui_path], name="docs-assets"
    )
