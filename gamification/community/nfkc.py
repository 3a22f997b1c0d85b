"""NFKC, as `unicodedata.normalize("NFKC", text)` gives it, in a fraction of its time on the
texts the community writes.

`unicodedata` decomposes and recomposes the whole text as soon as one character is not in NFKC,
and a Chinese post has a full-width comma in every line: about 120 ns a character, a quarter of
a millisecond for a 2,000-character post. Here the few full-width marks of everyday Chinese are
replaced with `str.replace` (a scan in C); a text then in NFKC (`unicodedata.is_normalized`, a
quick check in C) is done. Otherwise only the runs of characters that NFKC may change (each
with the character before it) go through `unicodedata`. Splitting there is exact: a character
that NFKC keeps, combines with nothing and that nothing combines into (outside the `_UNSTABLE`
set) is a boundary normalisation never crosses. A text with characters past U+FFFF (emoji,
mathematical letters) is normalised whole: `re` tests such a set range by range.
`tests/community/test_filter_passes.py` checks the result against `unicodedata` on mixed
texts.
"""

import re
import sys
import unicodedata

# The characters NFKC may change, or that may combine with the one before them: not NFKC on
# their own, combining marks, second parts of canonical compositions, and the Hangul vowel and
# final jamo (composed algorithmically, so in no decomposition). Among them, those NFKC may join
# to the character before: the marks, the second parts and the jamo, and the characters whose
# decomposition starts with one (half-width ﾞ is a combining voiced sound mark). Found once, at
# import (about 0.1 s); past U+2FFFF every assigned character is NFKC and a starter.
_SCANNED = 0x30000
_HANGUL_JAMO_VT = (0x1160, 0x11FF)


def _unstable_and_joining_code_points() -> tuple[list[int], list[int]]:
    joining = set(range(_HANGUL_JAMO_VT[0], _HANGUL_JAMO_VT[1] + 1))
    unstable = set(joining)
    for code in range(_SCANNED):
        if 0xD800 <= code <= 0xDFFF:  # surrogates: no character of their own
            continue
        char = chr(code)
        if unicodedata.combining(char):
            joining.add(code)
        if not unicodedata.is_normalized("NFKC", char) or unicodedata.combining(char):
            unstable.add(code)
        decomposition = unicodedata.decomposition(char)
        if decomposition and not decomposition.startswith("<"):
            joining.update(int(part, 16) for part in decomposition.split()[1:])
    unstable |= joining
    joining |= {
        code for code in unstable if ord(unicodedata.normalize("NFKD", chr(code))[0]) in joining
    }
    return sorted(unstable), sorted(joining)


def _char_class(codes: list[int]) -> str:
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(
        re.escape(chr(low)) if low == high else f"{re.escape(chr(low))}-{re.escape(chr(high))}"
        for low, high in ranges
    )


_UNSTABLE_CODES, _JOINING_CODES = _unstable_and_joining_code_points()
# `[x][x]*`, not `[x]+`: a pattern that starts with a set lets `re` skip in C to the next
# character in it, where a repeat is tried at every position (a third of the scan's time).
_UNSTABLE_SET = "[" + _char_class([c for c in _UNSTABLE_CODES if c <= 0xFFFF]) + "]"
_UNSTABLE = re.compile(_UNSTABLE_SET + _UNSTABLE_SET + "*")
# A text without them normalises run by run, each run without the character before it.
_JOINING = re.compile("[" + _char_class([c for c in _JOINING_CODES if c <= 0xFFFF]) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# Full-width marks in nearly every Chinese line, each a starter that becomes one ASCII mark:
# replaced outright, so that the runs left for `unicodedata` are few.
_EVERYDAY = tuple((mark, unicodedata.normalize("NFKC", mark)) for mark in "，：；！？（）　％．～")
assert sys.maxunicode >= _SCANNED


def _normalised(run: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", run.group())


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`."""
    if text.isascii():
        return text
    for mark, plain in _EVERYDAY:
        if mark in text:
            text = text.replace(mark, plain)
    if unicodedata.is_normalized("NFKC", text):
        return text
    if _ASTRAL.search(text):
        return unicodedata.normalize("NFKC", text)
    if _JOINING.search(text) is None:  # each run is normalised on its own
        return _UNSTABLE.sub(_normalised, text)
    found = _UNSTABLE.search(text)
    parts = []
    done = 0
    while found is not None:
        start = max(found.start() - 1, done)  # the character before may take a mark
        parts.append(text[done:start])
        parts.append(unicodedata.normalize("NFKC", text[start : found.end()]))
        done = found.end()
        found = _UNSTABLE.search(text, done)
    parts.append(text[done:])
    return "".join(parts)
