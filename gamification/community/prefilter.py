"""Literals a pattern cannot match without, and one scan that finds which of them a text holds:
the filter runs a pattern's regular expression only when one of its literals is there. A
pattern that starts with look-behinds or a branch of alternatives is slow to search in Python's
`re`, position by position; most texts contain none of its literals, so most patterns never run.

`required_literals(pattern)` is a set of strings at least one of which appears in every match,
or None when no such set of strings of two characters or more is found (the pattern then
always runs). Adjacent parts that match one of a few strings each are joined:
`(\\.|dot)(com|cn)` requires one of `.com`, `.cn`, `dotcom`, `dotcn`, where `com` alone would
be found in half the English texts.

`LiteralScan(literals).present(text)` is every one of the literals found in the text, from
searches in C over trie-shaped alternations (`a(?:dd|pp)|c(?:o|n)`), which `re` skips through
to the next character that may start a literal: two scans for all the patterns, where a scan
per literal (`in`) cost about a tenth of a millisecond on a 2,000-character post.

`without_leading_lookbehinds(pattern)` is the pattern less the look-behinds it starts with
(`(?<!\\d)1[3-9]...` becomes `1[3-9]...`), or None when it starts with none (or when what
follows them may be skipped, as in `(86)?1...`): `re` searches it in C from one possible
first character to the next, where the whole pattern is tried at every position. It matches
wherever the pattern does, so when it finds nothing the pattern cannot match either, and
most texts are settled by it alone."""

import itertools
import re
from collections.abc import Iterable

# re's own parser; typeshed has no stubs for it, and mypy finds these modules or not depending
# on what else it has loaded, so the ignores may go unused.
from re import _constants as sre_constants  # type: ignore[attr-defined, unused-ignore]
from re import _parser as sre_parse  # type: ignore[attr-defined, unused-ignore]
from typing import Any

_LITERAL = sre_constants.LITERAL
_IN = sre_constants.IN
_SUBPATTERN = sre_constants.SUBPATTERN
_BRANCH = sre_constants.BRANCH
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)
_ZERO_WIDTH = (sre_constants.ASSERT, sre_constants.ASSERT_NOT, sre_constants.AT)
# At most this many strings for a part that matches one of a few (past it, the part is left
# as the requirement it was).
_MAX_STRINGS = 64
_MIN_LITERAL = 2  # a one-character literal is in nearly every text: no use as a filter


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
    if not found or min(len(literal) for literal in found) < _MIN_LITERAL:
        return None
    return frozenset(found)


class LiteralScan:
    """Which of a set of literals a text holds: one search for the literals that start with an
    ASCII character, one for the others. Together they would cost more than both: at every
    character that may start a literal `re` tries the alternatives one by one."""

    def __init__(self, literals: Iterable[str]):
        every = frozenset(literals)
        self._regexes = tuple(
            re.compile(_trie(sorted(part)))
            for part in (
                {literal for literal in every if literal[0].isascii()},
                {literal for literal in every if not literal[0].isascii()},
            )
            if part
        )
        # The literal found at a place is the longest one starting there; those it contains
        # (the shorter ones starting there too) are in the text as well.
        self._within = {found: frozenset(lit for lit in every if lit in found) for found in every}

    def present(self, text: str) -> frozenset[str]:
        present: frozenset[str] = frozenset()
        for regex in self._regexes:
            search = regex.search
            found = search(text)
            while found is not None:
                present |= self._within[found.group()]
                found = search(text, found.start() + 1)  # literals may overlap
        return present


def _trie(literals: list[str]) -> str:
    """An alternation of the (sorted, distinct, non-empty) literals, sharing their prefixes: at
    each character one branch at most goes on, and where a literal ends inside a longer one the
    longer is tried first."""
    branches = []
    for _, grouped in itertools.groupby(literals, key=lambda literal: literal[0]):
        group = list(grouped)
        shared = group[0]
        for literal in group[1:]:
            while not literal.startswith(shared):
                shared = shared[:-1]
        rests = [literal[len(shared) :] for literal in group if len(literal) > len(shared)]
        tail = ""
        if rests:
            tail = f"(?:{_trie(rests)})" + ("?" if shared in group else "")
        branches.append(re.escape(shared) + tail)
    return "|".join(branches)


def _of_sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The best requirement of a sequence: the longest product of adjacent parts that each match
    one of a few strings, or a required group whose shortest alternative is longer."""
    candidates: list[set[str]] = []
    run: set[str] | None = None  # the strings the adjacent exact parts so far match
    for op, value in items:
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the parts either side stay adjacent
        strings = _strings(op, value)
        if strings is not None:
            joined = _joined(run, strings)
            if joined is not None:
                run = joined
                continue
            if run:
                candidates.append(run)
            run = strings
            continue
        if run:
            candidates.append(run)
        run = None
        inner = _of_item(op, value)
        if inner:
            candidates.append(inner)
    if run:
        candidates.append(run)
    return max(candidates, key=lambda c: min(len(s) for s in c), default=None)


def _joined(run: set[str] | None, strings: set[str]) -> set[str] | None:
    if run is None:
        return strings
    if len(run) * len(strings) > _MAX_STRINGS:
        return None
    return {left + right for left in run for right in strings}


def _strings(op: Any, value: Any) -> set[str] | None:
    """Every string a part can match, when it is one of a few; else None."""
    if op is _LITERAL:
        return {chr(value)}
    if op is _IN:
        if len(value) > _MAX_STRINGS or any(kind is not _LITERAL for kind, _ in value):
            return None
        return {chr(code) for _, code in value}
    if op is _SUBPATTERN:
        if value[1] & sre_constants.SRE_FLAG_IGNORECASE:
            return None  # `(?i:...)`: more strings than it shows
        return _sequence_strings(value[-1])
    if op is _BRANCH:
        found: set[str] = set()
        for alternative in value[1]:
            inner = _sequence_strings(alternative)
            if inner is None:
                return None
            found |= inner
        return found if len(found) <= _MAX_STRINGS else None
    if op in _REPEATS and value[0] == 0 and value[1] == 1:  # `x?`
        inner = _sequence_strings(value[2])
        return None if inner is None else inner | {""}
    return None


def _sequence_strings(items: Any) -> set[str] | None:
    run: set[str] | None = {""}
    for op, value in items:
        if op in _ZERO_WIDTH:
            continue
        strings = _strings(op, value)
        if strings is None:
            return None
        run = _joined(run, strings)
        if run is None:
            return None
    return run


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
