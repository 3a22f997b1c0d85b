"""Rendering a catalogue entry: the locale's template filled with named parameters."""

import logging
from collections.abc import Callable, Mapping

logger = logging.getLogger(__name__)

MESSAGE_LOCALES = ("zh-CN", "en")
LOG_LOCALE = "en"  # what logs, the CLI and `str(error)` read

Texts = Mapping[str, Mapping[str, str]]  # key -> locale -> template
Localised = Mapping[str, str]  # a parameter value that differs by locale (a title, a list)


class _Params(dict[str, object]):
    def __missing__(self, name: str) -> str:
        # A template naming a parameter the raise site did not give: show the slot rather
        # than fail the response (the catalogue test renders every template).
        return "{" + name + "}"


def render(
    catalogue: Texts, key: str, locale: str, params: Mapping[str, object] | None = None
) -> str:
    """The message in `locale` (or English); the key itself when the catalogue lacks it."""
    entry = catalogue.get(key)
    if entry is None:
        logger.warning("message missing from the catalogue", extra={"message_key": key})
        return key
    template = entry.get(locale) or entry[LOG_LOCALE]
    values = {
        name: (value.get(locale) or value.get(LOG_LOCALE, ""))
        if isinstance(value, Mapping)
        else value
        for name, value in (params or {}).items()
    }
    return template.format_map(_Params(values))


def in_each_locale(message: Callable[[str], str]) -> Localised:
    """A parameter value built once per locale, e.g. a list joined in each language's way."""
    return {locale: message(locale) for locale in MESSAGE_LOCALES}
