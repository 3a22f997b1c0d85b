"""Patterns every post would pay for: a rule set is live on every server, so one pattern that
backtracks catastrophically (`(a+)+$` on a long run of `a` then `b`) stalls each write that
screens a text. Python's `re` has no time limit, so such patterns are refused when stored.

The check reads the pattern's syntax, not its language: a repeated group that itself contains
a variable quantifier (`(a+)+`, `(a*)*`, `(?:\\d+\\s?)+`), or a repeated group with the same
alternative twice (`(a|a)+`), is refused, as is a pattern over `MAX_PATTERN_LENGTH` characters.
Escapes and character classes are skipped whole, so `\\(a+\\)+` and `[(]+` are plain.
"""

import itertools
import re
from dataclasses import dataclass, field

MAX_PATTERN_LENGTH = 300
# `{2}` repeats a fixed count; `{1,3}`, `{2,}` vary (the group after `)` repeats when max > 1).
_BRACES = re.compile(r"\{(\d*)(,?)(\d*)\}")


@dataclass
class _Group:
    start: int  # index of the first character inside the group
    varies: bool = False  # a variable quantifier somewhere inside
    bars: list[int] = field(default_factory=list)  # top-level `|` positions


def pattern_problem(pattern: str) -> str | None:
    """Why the pattern may backtrack catastrophically, or None."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"at most {MAX_PATTERN_LENGTH} characters"
    stack = [_Group(0)]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "(":
            stack.append(_Group(index + 1))
            index += 2 if pattern.startswith("(?", index) else 1
            continue
        if char == "|":
            stack[-1].bars.append(index)
            index += 1
            continue
        if char == ")" and len(stack) > 1:
            group = stack.pop()
            repeats, varies, after = _quantifier(pattern, index + 1)
            if repeats and group.varies:
                return "a repeated group holds another quantifier (nested quantifiers)"
            if repeats and _repeated_alternative(pattern, group, index):
                return "a repeated group has the same alternative twice"
            stack[-1].varies |= group.varies or varies
            index = after
            continue
        if char == "\\":
            atom_end = index + 2
        elif char == "[":
            atom_end = _class_end(pattern, index)
        else:
            atom_end = index + 1
        _, varies, index = _quantifier(pattern, atom_end)
        stack[-1].varies |= varies
    return None


def _quantifier(pattern: str, index: int) -> tuple[bool, bool, int]:
    """The quantifier at `index`, if any: (repeats more than once, varies, index after it,
    past a lazy `?` or possessive `+`)."""
    char = pattern[index : index + 1]
    if char in ("*", "+"):
        repeats = varies = True
        end = index + 1
    elif char == "?":
        repeats, varies, end = False, True, index + 1
    elif char == "{" and (braces := _BRACES.match(pattern, index)) is not None:
        low, comma, high = braces.groups()
        upper = int(high) if high else (None if comma else int(low or 0))
        repeats = upper is None or upper > 1
        varies = bool(comma) and (upper is None or upper != int(low or 0))
        end = braces.end()
    else:
        return False, False, index
    if pattern[end : end + 1] in ("?", "+"):
        end += 1
    return repeats, varies, end


def _repeated_alternative(pattern: str, group: _Group, close: int) -> bool:
    bounds = [group.start, *(bar + 1 for bar in group.bars), close + 1]
    alternatives = [pattern[a : b - 1] for a, b in itertools.pairwise(bounds)]
    if alternatives and alternatives[0].startswith("?"):  # (?:a|a): drop the group's flag
        alternatives[0] = alternatives[0].split(":", 1)[-1]
    return len(set(alternatives)) < len(alternatives)


def _class_end(pattern: str, index: int) -> int:
    """The index after the character class opening at `index`."""
    index += 1
    if pattern[index : index + 1] == "^":
        index += 1
    if pattern[index : index + 1] == "]":
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1
