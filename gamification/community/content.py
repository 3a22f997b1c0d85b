"""Checks on what an author writes, before the compliance filter reads it: plain text of the
right length, tags and symbols of the right shape. Pure: the symbols' existence is checked by
the service."""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from gamification.community.models import SYMBOLS_MAX, TAG_MAX, TAGS_MAX

SYMBOL = re.compile(r"^[0-9]{6}\.(SH|SZ|BJ)$")
TAG = re.compile(rf"^[\w-]{{1,{TAG_MAX}}}$")
_ALLOWED_CONTROLS = {"\n", "\t"}
# Direction overrides and isolates can make a text read differently from what it holds.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


@dataclass(frozen=True)
class Draft:
    body: str
    tags: tuple[str, ...]
    symbols: tuple[str, ...]


def body_problem(body: str, max_length: int) -> str | None:
    """Why a body cannot be stored, or None. HTML is not refused: it is plain text to us, and
    the app shows it as text."""
    if not body.strip():
        return "must not be empty"
    if len(body) > max_length:
        return f"at most {max_length} characters"
    for char in body:
        if char in _BIDI_CONTROLS or (
            unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS
        ):
            return f"must not contain control characters (U+{ord(char):04X})"
    return None


def post_draft(
    body: str, tags: Sequence[str], symbols: Sequence[str], *, max_length: int
) -> tuple[Draft, list[tuple[str, str]]]:
    """The post as stored (body without surrounding whitespace, tags case-folded and each once,
    symbols each once) and every problem found, by field."""
    problems = []
    body_fault = body_problem(body, max_length)
    if body_fault:
        problems.append(("body", body_fault))
    clean_tags = tuple(dict.fromkeys(unicodedata.normalize("NFKC", t).casefold() for t in tags))
    for index, tag in enumerate(clean_tags):
        if not TAG.match(tag):
            problems.append((f"tags[{index}]", f"letters, digits, _ and -, 1 to {TAG_MAX}"))
    if len(clean_tags) > TAGS_MAX:
        problems.append(("tags", f"at most {TAGS_MAX}"))
    clean_symbols = tuple(dict.fromkeys(s.strip().upper() for s in symbols))
    for index, symbol in enumerate(clean_symbols):
        if not SYMBOL.match(symbol):
            problems.append((f"symbols[{index}]", "a code like 600519.SH"))
    if len(clean_symbols) > SYMBOLS_MAX:
        problems.append(("symbols", f"at most {SYMBOLS_MAX}"))
    return Draft(body.strip(), clean_tags, clean_symbols), problems
