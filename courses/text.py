"""What counts as plain text in lessons: markdown without HTML, scripts or control characters.

The app renders card bodies as markdown. Raw HTML would be rendered (or escaped, and look
broken) differently on each client, and a script or `javascript:` link in content an editor
pasted from the web is an injection waiting to happen, so both are refused at import.
"""

import re
import unicodedata

# An HTML tag or comment: `<b>`, `</p>`, `<img src=x>`, `<br/>`, `<!-- -->`, `<!doctype>`.
# Autolinks (`<https://...>`) and comparisons (`a < b`, `<5%`) are not tags.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|<!--|<![A-Za-z]")
_ENTITY = re.compile(r"&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]{2,8});")
_UNSAFE_LINK = re.compile(
    r"(?:\]\(\s*|<)(?:javascript|vbscript|data)\s*:|javascript\s*:", re.IGNORECASE
)
_ALLOWED_CONTROLS = frozenset("\n\r\t")
_EDGE_WHITESPACE = " \t\r\n"


def clean_text(text: str) -> str:
    """Text as stored and served: YAML block scalars (`|`, `>`) end in a newline that no app
    should have to trim, so surrounding whitespace goes (migration 0011 did the same to the
    text stored before)."""
    return text.strip(_EDGE_WHITESPACE)


def markup_problem(text: str) -> str | None:
    """Why `text` is not plain markdown, or None when it is."""
    if _TAG.search(text):
        return "HTML is not allowed; write plain markdown"
    if _UNSAFE_LINK.search(text):
        return "script and data links are not allowed"
    if _ENTITY.search(text):
        return "HTML entities are not allowed; write the character itself"
    for char in text:
        if char not in _ALLOWED_CONTROLS and unicodedata.category(char) in ("Cc", "Cs", "Co"):
            return f"control character U+{ord(char):04X} is not allowed"
    return None
