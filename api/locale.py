"""Which content locale to answer in: `Accept-Language` when it names one we ship, else the
caller's own locale."""

from typing import Any

from litestar import Request

SUPPORTED_LOCALES = ("zh-CN", "en")


def content_locale(request: Request[Any, Any, Any], fallback: str) -> str:
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return fallback if fallback in SUPPORTED_LOCALES else SUPPORTED_LOCALES[0]
