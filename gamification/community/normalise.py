"""The form of a text the compliance filter reads: what a writer does to slip a word past it is
undone first.

Full-width and other compatibility forms become their plain characters (NFKC), letters are
case-folded, whitespace, zero-width characters and filler punctuation go, look-alike letters
from other scripts become Latin ones, and Chinese digit words become digits (一三八 → 138), so
`荐 股`, `ＷＸ`, `vх` (Cyrillic х) and `一三八零零一三八零零零` all read as what they mean.
"""

import re

from gamification.community.nfkc import nfkc

_DIGIT_WORDS = {
    "零": "0", "〇": "0",
    "一": "1", "壹": "1", "幺": "1", "弌": "1",
    "二": "2", "贰": "2", "貳": "2", "两": "2",
    "三": "3", "叁": "3", "參": "3",
    "四": "4", "肆": "4",
    "五": "5", "伍": "5",
    "六": "6", "陆": "6", "陸": "6",
    "七": "7", "柒": "7",
    "八": "8", "捌": "8",
    "九": "9", "玖": "9",
}  # fmt: skip
# Letters of Cyrillic and Greek that look like Latin ones (after case folding).
_HOMOGLYPHS = {
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i",
    "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t",
    "у": "y", "х": "x", "ѡ": "w", "ԝ": "w", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i",
    "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c",
}  # fmt: skip
# Characters that carry no meaning between the letters of a word: gone.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u034f"
_FILLERS = "-_*~·•|'\"`^"

_FOLD = str.maketrans({**_DIGIT_WORDS, **_HOMOGLYPHS})
# Whitespace, zero-width characters and fillers: gone. The spaces and line breaks of every text
# go first with `str.replace` (a copy in C), so that this scan seldom has much to take out.
# Runs written `[x][x]*`, not `[x]+`: a pattern that starts with a set lets `re` skip in C to the
# next character in it, where a repeat is tried at every position (a third of a scan's time).
_DROPPED = "[\\s" + re.escape(_INVISIBLE + _FILLERS) + "]"
_DROP = re.compile(_DROPPED + _DROPPED + "*")
_VISIBLE = re.compile("[^\\s" + re.escape(_INVISIBLE + _FILLERS) + "]")
_FOLDABLES = "[" + "".join(_DIGIT_WORDS) + "".join(_HOMOGLYPHS) + "]"
_FOLDABLE = re.compile(_FOLDABLES + _FOLDABLES + "*")


def _folded(run: re.Match[str]) -> str:
    return run.group().translate(_FOLD)


def normalise(text: str) -> str:
    """The filter's reading of `text`: it only ever compares normalised texts. Each step is a
    scan in C over the whole text (NFKC by `nfkc.py`, which is what makes it cheap); Python
    runs only per run of look-alikes and digit words, which a text has few of."""
    folded = nfkc(text).casefold().replace(" ", "").replace("\n", "")
    return _FOLDABLE.sub(_folded, _DROP.sub("", folded))


def has_visible_text(text: str) -> bool:
    """Anything left once spaces, zero-width characters and fillers are gone (stops at the
    first such character: cheaper than normalising)."""
    return _VISIBLE.search(text) is not None


_PATTERN_TOKEN = re.compile(r"\\.|[!-/:-@\[-`{-~]|\s|[^!-/:-@\[-`{-~\s\\]+", re.DOTALL)


def normalise_pattern(pattern: str) -> str:
    """A rule's regular expression in the normalised form of the texts it reads: its words are
    normalised as text is, its ASCII punctuation (the syntax: `|`, `(?<!`, `[-_a-z]`) and its
    escapes (`\\d`, `\\.`) are kept as written, its spaces dropped."""
    parts = []
    for token in _PATTERN_TOKEN.findall(pattern):
        if token.startswith("\\") or (len(token) == 1 and token.isascii() and not token.isspace()):
            parts.append(token)
        else:
            parts.append(normalise(token))
    return "".join(parts)
