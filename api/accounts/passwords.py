"""Password hashing with argon2id at the OWASP floor (19 MiB, 2 iterations, 1 lane), and the
rules a new password must meet."""

import asyncio
import functools
import os
import unicodedata
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.accounts.errors import WeakPassword

MEMORY_KIB = 19 * 1024
ITERATIONS = 2
PARALLELISM = 1
MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = "data/common-passwords.txt"

_hasher = PasswordHasher(time_cost=ITERATIONS, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)

# Verified against when the email is unknown, so an unknown email costs the same time as a
# wrong password and the answer's timing does not reveal which emails have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


# argon2 is CPU- and memory-hard on purpose: it runs in worker threads so it never stalls the
# event loop, at most one per core at a time so a burst of logins cannot exhaust memory.
_hashing_slots = asyncio.Semaphore(os.cpu_count() or 1)


def hash_password_blocking(password: str) -> str:
    return _hasher.hash(password)


def _verify_blocking(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    async with _hashing_slots:
        return await asyncio.to_thread(hash_password_blocking, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    async with _hashing_slots:
        return await asyncio.to_thread(_verify_blocking, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords shipped in `data/` (see its NOTICE), read once."""
    text = resources.files("api.accounts").joinpath(COMMON_PASSWORDS_FILE).read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line)


def _folded(text: str) -> str:
    """The form passwords are compared in: NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def check_password_rules(
    password: str, *, email: str, display_name: str | None, field: str = "password"
) -> None:
    """8 to 128 characters, not a common password, not the email (nor its local part) and not
    the display name; a failure is a 422 naming `field`."""
    folded = _folded(password)
    own_words = {_folded(email), _folded(email.partition("@")[0])}
    problem = None
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problem = f"must be {MIN_LENGTH} to {MAX_LENGTH} characters"
    elif folded in common_passwords():
        problem = "is too common: choose one that is harder to guess"
    elif folded in own_words:
        problem = "must not be your email address"
    elif display_name and folded == _folded(display_name):
        problem = "must not be your display name"
    if problem:
        raise WeakPassword(problem, field=field)
