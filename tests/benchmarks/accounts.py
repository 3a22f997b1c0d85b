"""Users in bulk for every data set, and the accounts data set of issue 3 (`GET /v1/me`, login).

Users are written straight into `user_account` (and a live `auth_session` each) with COPY, as
tests/factories.py makes them one at a time: the same password hash for all (argon2 is slow on
purpose), a risk profile assessed now, and an access token minted with the server's
SECRET_KEY by the app's own `issue_access_token`, so the middleware accepts it and finds the
session. Tokens live long enough for the whole bench, whatever ACCESS_TOKEN_MINUTES says.
"""

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeAlias

import asyncpg
from argon2 import PasswordHasher

from api.accounts.passwords import ITERATIONS, MEMORY_KIB, PARALLELISM, hash_password_blocking
from api.accounts.tokens import issue_access_token
from core.ids import new_id

PASSWORD = "correct horse battery staple"
TOKEN_LIFETIME = timedelta(hours=3)
ACCOUNTS_USERS = 1_000  # /v1/me, logins and the learning scenarios spread over these
RISK_PROFILE = "C3"
TOKENS_FILE = "accounts-tokens.txt"
EMAILS_FILE = "accounts-emails.txt"
PASSWORD_FILE = "accounts-password.txt"
ARGON2_SAMPLES = 10

_USER_COLUMNS = [
    "id",
    "email",
    "password_hash",
    "display_name",
    "locale",
    "timezone",
    "roles",
    "risk_profile",
    "risk_assessed_at",
    "password_changed_at",
    "created_at",
]

# asyncpg's classes are generic only in its stubs.
Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record]"


@dataclass(frozen=True)
class BenchUser:
    id: uuid.UUID
    email: str
    session_id: uuid.UUID


@dataclass(frozen=True)
class Argon2Cost:
    memory_kib: int
    iterations: int
    parallelism: int
    verify_ms: float  # one verification on this machine, median of ARGON2_SAMPLES

    @property
    def per_core_per_second(self) -> float:
        """The most logins one core could verify a second, with nothing else to do."""
        return 1_000 / self.verify_ms if self.verify_ms else 0.0


async def create_users(
    conn: Connection, count: int, *, group: str, now: datetime, password_hash: str
) -> list[BenchUser]:
    """`count` learners named after `group`, each with one live login session."""
    users = [
        BenchUser(new_id(), f"bench-{group}-{n:06d}@example.com", new_id()) for n in range(count)
    ]
    await conn.copy_records_to_table(
        "user_account",
        columns=_USER_COLUMNS,
        records=[
            (
                user.id,
                user.email,
                password_hash,
                f"{group} {n}",
                "zh-CN",
                "Asia/Shanghai",
                ["learner"],
                RISK_PROFILE,
                now,
                now,
                now,
            )
            for n, user in enumerate(users)
        ],
    )
    await conn.copy_records_to_table(
        "auth_session",
        columns=["id", "user_id", "created_at"],
        records=[(user.session_id, user.id, now) for user in users],
    )
    return users


def access_tokens(users: Sequence[BenchUser], secret: str, now: datetime) -> list[str]:
    return [
        issue_access_token(
            secret, user_id=user.id, session_id=user.session_id, now=now, lifetime=TOKEN_LIFETIME
        )
        for user in users
    ]


def write_lines(path: Path, lines: Iterable[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in lines))


async def prepare_accounts(
    conn: Connection, data_dir: Path, *, secret: str, now: datetime, password_hash: str
) -> list[BenchUser]:
    """The 1,000 learners (and their token, email and password files) that /v1/me, login and
    the learning scenarios spread their requests over."""
    users = await create_users(
        conn, ACCOUNTS_USERS, group="learner", now=now, password_hash=password_hash
    )
    write_lines(data_dir / TOKENS_FILE, access_tokens(users, secret, now))
    write_lines(data_dir / EMAILS_FILE, (user.email for user in users))
    write_lines(data_dir / PASSWORD_FILE, [PASSWORD])
    return users


def password_hash_once() -> str:
    return hash_password_blocking(PASSWORD)


def argon2_cost(password_hash: str) -> Argon2Cost:
    """What one login's password check costs here, with the app's argon2id parameters."""
    hasher = PasswordHasher(time_cost=ITERATIONS, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)
    samples = []
    for _ in range(ARGON2_SAMPLES):
        started = time.perf_counter()
        assert hasher.verify(password_hash, PASSWORD)
        samples.append((time.perf_counter() - started) * 1_000)
    samples.sort()
    return Argon2Cost(MEMORY_KIB, ITERATIONS, PARALLELISM, round(samples[len(samples) // 2], 2))
