"""Display names are shown to other learners (boards, leagues), so they must be one line of
visible text: no control, direction or zero-width characters that could disguise a name."""

import unicodedata

from api.accounts.errors import InvalidDisplayName

MAX_LENGTH = 64

# Unicode "Other" (controls such as CR/LF and NUL; format characters such as the bidi controls
# U+202A-202E, U+2066-2069, U+200E/F, U+061C and the zero-width U+200B-200D, U+2060, U+FEFF;
# surrogates, private use, unassigned) and the line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def display_name_problem(name: str) -> str | None:
    """Why `name` cannot be a display name, or None when it can (in its normalised form)."""
    normalised = unicodedata.normalize("NFKC", name)
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in normalised):
        return "must not contain control, formatting or invisible characters"
    trimmed = normalised.strip()
    if not trimmed:
        return "must not be blank"
    if len(trimmed) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    return None


def clean_display_name(name: str) -> str:
    """The stored form of a display name (NFKC, trimmed), or a 422 naming the field."""
    problem = display_name_problem(name)
    if problem:
        raise InvalidDisplayName(problem)
    return unicodedata.normalize("NFKC", name).strip()
