"""Login throttling, counted in PostgreSQL so every replica sees the same numbers."""

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.models import LoginFailure
from api.problems import ProblemError

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 50


def email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


async def refuse_if_throttled(
    db: AsyncSession, *, email: str, client_ip: str, now: datetime
) -> None:
    """429 with Retry-After when the account or the client address failed too often lately."""
    since = now - WINDOW
    key = email_key(email)
    recent = sa.and_(col(LoginFailure.at) > since)
    by_account = sa.and_(recent, col(LoginFailure.email_key) == key)
    by_client = sa.and_(recent, col(LoginFailure.client_ip) == client_ip)
    row = (
        await db.execute(
            sa.select(
                sa.func.count().filter(by_account),
                sa.func.min(LoginFailure.at).filter(by_account),
                sa.func.count().filter(by_client),
                sa.func.min(LoginFailure.at).filter(by_client),
            ).where(sa.or_(by_account, by_client))
        )
    ).one()
    account_count, account_oldest, client_count, client_oldest = row
    oldest = None
    if account_count >= MAX_FAILURES_PER_ACCOUNT:
        oldest = account_oldest
    elif client_count >= MAX_FAILURES_PER_CLIENT:
        oldest = client_oldest
    if oldest is not None:
        retry_after = max(1, int((oldest + WINDOW - now).total_seconds()) + 1)
        raise ProblemError(
            429,
            "rate-limited",
            "Too many failed logins. Try again later.",
            headers={"Retry-After": str(retry_after)},
        )


def failure(email: str, client_ip: str, now: datetime) -> LoginFailure:
    return LoginFailure(email_key=email_key(email), client_ip=client_ip, at=now)


async def forget_failures(db: AsyncSession, *, email: str) -> None:
    await db.execute(sa.delete(LoginFailure).where(col(LoginFailure.email_key) == email_key(email)))
