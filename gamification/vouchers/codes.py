"""Voucher codes: unique, unguessable, easy to read out and type. Pure.

12 symbols from a 30-letter alphabet (Crockford's base32 without 0, O, 1, I, L and U, so
nothing can be misread), drawn with `secrets`: about 59 bits, so guessing a live code is
hopeless and a collision is practically never (the unique index catches one anyway). Shown
and stored as `XXXX-XXXX-XXXX`; typed in any case, with or without dashes and spaces.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
SYMBOLS = 12
GROUP = 4


def new_code() -> str:
    return _grouped("".join(secrets.choice(ALPHABET) for _ in range(SYMBOLS)))


def normalise_code(typed: str) -> str | None:
    """The stored form of a code as someone typed it, or None if it cannot be one."""
    symbols = "".join(typed.split()).replace("-", "").upper()
    if len(symbols) != SYMBOLS or any(symbol not in ALPHABET for symbol in symbols):
        return None
    return _grouped(symbols)


def _grouped(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))
