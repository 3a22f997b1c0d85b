"""The message catalogue: every sentence the service says to a person, in each locale it ships
(zh-CN and en), as a template with named parameters.

Problems are looked up by code: `TITLES` by problem code (one title per problem type, as RFC
9457 asks), `DETAILS` by message key (a domain error's `message`, else its code). Reasons of
locked courses and ineligible vouchers are details too (`course-locked.<reason>`,
`not-eligible.<reason>`), so a problem and a listing say the same thing.
"""

from collections.abc import Mapping

from core.messages.details import DETAILS
from core.messages.rendering import (
    LOG_LOCALE,
    MESSAGE_LOCALES,
    Localised,
    Texts,
    in_each_locale,
    render,
)
from core.messages.titles import TITLES

__all__ = [
    "DETAILS",
    "LOG_LOCALE",
    "MESSAGE_LOCALES",
    "TITLES",
    "Localised",
    "Texts",
    "detail",
    "in_each_locale",
    "joined",
    "title",
]


def title(code: str, locale: str) -> str:
    """The problem type's title; an unknown code falls back to the generic one."""
    return render(TITLES, code if code in TITLES else "error", locale)


def detail(key: str, locale: str, params: Mapping[str, object] | None = None) -> str:
    return render(DETAILS, key, locale, params)


def joined(keys: list[str]) -> Localised:
    """Catalogue entries (such as `lifecycle-stage.new`) listed in each locale's way."""
    return in_each_locale(
        lambda locale: detail("list-joiner", locale).join(detail(key, locale) for key in keys)
    )
