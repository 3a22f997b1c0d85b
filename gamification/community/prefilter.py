"""Literals a pattern cannot match without: the filter looks for them with `in` (a fast scan
in C) and runs a pattern's regular expression only when one is there. A pattern that starts
with look-behinds or a branch of alternatives is slow to search in Python's `re`, position by
position; most texts contain none of its literals, so most patterns never run.

`required_literals(pattern)` is a set of strings at least one of which appears in every match,
or None when no such set is found (the pattern then always runs).

`without_leading_lookbehinds(pattern)` is the pattern less the look-behinds it starts with
(`(?<!\\d)1[3-9]...` becomes `1[3-9]...`), or None when it starts with none (or when what
follows them may be skipped, as in `(86)?1...`): `re` searches it in C from one possible
first character to the next, where the whole pattern is tried at every position. It matches
wherever the pattern does, so when it finds nothing the pattern cannot match either, and
most texts are settled by it alone."""

import re
from re import _constants as sre_constants  # the parser `re` itself uses (Python 3.11+)
from re import _parser as sre_parse
from typing import Any

_LITERAL = sre_constants.LITERAL
_SUBPATTERN = sre_constants.SUBPATTERN
_BRANCH = sre_constants.BRANCH
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)
_ZERO_WIDTH = (sre_constants.ASSERT, sre_constants.ASSERT_NOT, sre_constants.AT)


_LEADING_LOOKBEHINDS = re.compile(r"^(?:\(\?<[!=](?:[^()\\]|\\.)*\))+")


def without_leading_lookbehinds(pattern: str) -> str | None:
    found = _LEADING_LOOKBEHINDS.match(pattern)
    if found is None or found.end() == len(pattern):
        return None
    rest = pattern[found.end() :]
    try:
        first = sre_parse.parse(rest)[0]
    except (re.error, IndexError):
        return None
    if first[0] in _REPEATS and first[1][0] == 0:  # `(\+?86)?1...`: no first character to skip to
        return None
    return rest  # with a top-level `|` too: each branch matches where it did, or more


def required_literals(pattern: str) -> frozenset[str] | None:
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    found = _of_sequence(list(parsed))
    return frozenset(found) if found else None


def _of_sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The best requirement of a sequence: its longest literal run, or a required group whose
    shortest alternative is longer."""
    candidates: list[set[str]] = []
    run = ""
    for op, value in items:
        if op is _LITERAL:
            run += chr(value)
            continue
        if run:
            candidates.append({run})
            run = ""
        if op in _ZERO_WIDTH:
            continue
        inner = _of_item(op, value)
        if inner:
            candidates.append(inner)
    if run:
        candidates.append({run})
    return max(candidates, key=lambda c: min(len(s) for s in c), default=None)


def _of_item(op: Any, value: Any) -> set[str] | None:
    if op is _SUBPATTERN:
        return _of_sequence(list(value[-1]))
    if op is _BRANCH:
        found: set[str] = set()
        for alternative in value[1]:
            inner = _of_sequence(list(alternative))
            if not inner:
                return None
            found |= inner
        return found
    if op in _REPEATS and value[0] >= 1:
        return _of_sequence(list(value[2]))
    return None
