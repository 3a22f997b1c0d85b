"""Password hashing with argon2id at the OWASP floor (19 MiB, 2 iterations, 1 lane)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.problems import ProblemError

MEMORY_KIB = 19 * 1024
ITERATIONS = 2
PARALLELISM = 1
MIN_LENGTH = 8
MAX_LENGTH = 128

_hasher = PasswordHasher(time_cost=ITERATIONS, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)

# Verified against when the email is unknown, so an unknown email costs the same time as a
# wrong password and the answer's timing does not reveal which emails have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def check_password_rules(password: str, email: str) -> None:
    """8 to 128 characters, and not the email (nor its local part)."""
    problem = None
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problem = f"must be {MIN_LENGTH} to {MAX_LENGTH} characters"
    elif password.strip().lower() in {email.lower(), email.lower().partition("@")[0]}:
        problem = "must not be your email address"
    if problem:
        raise ProblemError(
            422,
            "validation-error",
            f"The password {problem}.",
            errors=[{"field": "password", "message": problem}],
        )
