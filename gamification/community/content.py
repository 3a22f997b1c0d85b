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
# Control characters but tab, newline and carriage return; and the direction overrides and
# isolates that make a text read differently from what it holds.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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
    forbidden = _FORBIDDEN.search(body)
    if forbidden is not None:
        return f"must not contain control characters (U+{ord(forbidden.group()):04X})"
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
