"""Which locale a request reads, content and messages alike: `Accept-Language` when it names
one we ship, else the caller's own locale, else the original (zh-CN)."""

from typing import Annotated, Any

from litestar import Request
from litestar.params import HeaderParameter

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


AcceptLanguage = Annotated[
    str | None,
    HeaderParameter(
        name="Accept-Language",
        # Any value is accepted: only its first 20 tags are read, and one we do not ship is
        # passed over, so an odd header never refuses a request.
        description="zh-CN or en; without it, the caller's own locale.",
    ),
]


def provide_locale(request: Request[Any, Any, Any], accept_language: AcceptLanguage = None) -> str:
    """The `locale` dependency: the one locale a route answers in, content and messages alike."""
    return pick_locale(accept_language, _caller_locale(request))


def request_locale(request: Request[Any, Any, Any]) -> str:
    """The same locale, for code that runs outside dependency injection (problem handlers)."""
    return pick_locale(request.headers.get("accept-language"), _caller_locale(request))


def _caller_locale(request: Request[Any, Any, Any]) -> str | None:
    caller = request.scope.get("user")  # set by authentication; None for visitors and partners
    return getattr(caller, "locale", None)


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
