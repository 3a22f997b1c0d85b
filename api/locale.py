"""Which locale a request reads, content and messages alike: `Accept-Language` when it names
one we ship, else the caller's own locale, else the original (zh-CN)."""

from typing import Any

from litestar import Request

from courses.bundle import LOCALES, ORIGINAL_LOCALE

_BY_LANGUAGE = {"zh": "zh-CN", "en": "en"}
_NOT_SIMPLIFIED = ("zh-tw", "zh-hk", "zh-hant")


def pick_locale(accept_language: str | None, caller_locale: str | None) -> str:
    for tag in _ranked_tags(accept_language or ""):
        if tag in LOCALES:
            return tag
        language = tag.split("-", 1)[0].lower()
        if language in _BY_LANGUAGE and not tag.lower().startswith(_NOT_SIMPLIFIED):
            return _BY_LANGUAGE[language]
    return caller_locale if caller_locale in LOCALES else ORIGINAL_LOCALE


def content_locale(request: Request[Any, Any, Any], caller_locale: str | None) -> str:
    return pick_locale(request.headers.get("accept-language"), caller_locale)


def request_locale(request: Request[Any, Any, Any]) -> str:
    """The locale of what the service says to this request (problems included): as for
    content, with the authenticated caller's own locale when there is one."""
    caller = request.scope.get("user")
    return content_locale(request, getattr(caller, "locale", None))


def _ranked_tags(header: str) -> list[str]:
    """The header's language tags, most preferred first (q=0 means "not this one")."""
    ranked = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]
