"""Personal data that a pattern alone cannot tell from other numbers: bank card numbers (a run
of 16 to 19 digits passing the Luhn check) and mainland resident ID numbers (18 characters: a
region, a birth date, a sequence and an ISO 7064 MOD 11-2 check character).

Both read the normalised text (`normalise.py`), where separators and spaces are gone and digit
words are digits."""

import re
from collections.abc import Callable
from datetime import date

# Whole runs of 16 or more ASCII digits (a card is a run of 16 to 19): a pattern that starts
# with one character class lets `re` skip to the next digit in C, where a leading look-behind
# (or a repeat) is tried at every position.
_LONG_RUN = re.compile(r"[0-9][0-9]{15,}")
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{9}[0-9x](?![0-9x])")
_SEVENTEEN_DIGITS = re.compile(r"[0-9][0-9]{16}")  # no ID number without: looked for first
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10x98765432"


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def has_bank_card(text: str) -> bool:
    return any(
        len(run.group()) <= 19 and luhn_valid(run.group()) for run in _LONG_RUN.finditer(text)
    )


def id_number_valid(number: str) -> bool:
    """The check character and a real birth date (a sequence of digits alone is not enough)."""
    total = sum(int(char) * weight for char, weight in zip(number, _ID_WEIGHTS, strict=False))
    if _ID_CHECK[total % 11] != number[17]:
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return True


def has_id_number(text: str) -> bool:
    if _SEVENTEEN_DIGITS.search(text) is None:
        return False
    return any(id_number_valid(found.group()) for found in _ID_NUMBER.finditer(text))


DETECTORS: dict[str, Callable[[str], bool]] = {
    "bank_card": has_bank_card,
    "id_card": has_id_number,
}
