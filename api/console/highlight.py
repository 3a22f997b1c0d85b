"""The parts of a held text that a compliance rule matched, marked for moderators.

Rules match a normalised text (`gamification/community/normalise.py`); the marks are found in
the text as written, so a match the author disguised (spaces, full-width letters) is named by
its rule but not marked."""

import unicodedata

from markupsafe import Markup, escape

from gamification.community.screening import ModerationRule


def _spans(text: str, rules: list[ModerationRule]) -> list[tuple[int, int, str]]:
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) != len(text):  # positions would not line up with the text as written
        return []
    spans = [
        (match.start(), match.end(), rule.id)
        for rule in rules
        for pattern in rule.patterns
        for match in pattern.regex.finditer(folded)
        if match.end() > match.start()
    ]
    merged: list[tuple[int, int, str]] = []
    for start, end, rule_id in sorted(spans):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, rule_id))
    return merged


def highlighted(text: str, rules: list[ModerationRule]) -> Markup:
    """The text, escaped, with each matched part in a <mark> naming its rule."""
    parts: list[str] = []
    position = 0
    for start, end, rule_id in _spans(text, rules):
        parts.append(str(escape(text[position:start])))
        parts.append(f'<mark title="{escape(rule_id)}">{escape(text[start:end])}</mark>')
        position = end
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))  # noqa: S704 - every piece of the text is escaped above
