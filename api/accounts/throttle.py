"""Throttling of logins, password changes and sign-ups, counted in PostgreSQL so every replica
sees the same numbers."""

import hashlib
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts.errors import (
    LoginThrottled,
    PasswordChangeThrottled,
    SignupThrottled,
    Throttled,
)
from api.accounts.models import LoginFailure, PasswordChangeFailure, SignupWindow

WINDOW = timedelta(minutes=15)
ACCOUNT_CEILING_WINDOW = timedelta(hours=1)
SIGNUP_WINDOW = timedelta(hours=1)
# One address guessing one account's password: the account owner elsewhere is not locked out.
MAX_FAILURES_PER_ACCOUNT_AND_CLIENT = 5
MAX_FAILURES_PER_CLIENT = 50
MAX_PASSWORD_CHANGE_FAILURES = 5


def email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _rate_limited(error: type[Throttled], *, until: datetime, now: datetime) -> Throttled:
    return error(retry_after_seconds=max(1, int((until - now).total_seconds()) + 1))


async def refuse_if_throttled(
    db: AsyncSession, *, email: str, client_ip: str, now: datetime, account_ceiling: int
) -> None:
    """429 with Retry-After when this address failed too often lately, on this account or on
    any; or when the account failed `account_ceiling` times in an hour from all addresses.

    Only the wide ceiling counts failures from everywhere, so a stranger cannot lock an owner
    out of their account with five wrong passwords."""
    key = email_key(email)
    recent = col(LoginFailure.at) > now - WINDOW
    by_client = sa.and_(recent, col(LoginFailure.client_ip) == client_ip)
    by_pair = sa.and_(by_client, col(LoginFailure.email_key) == key)
    by_account = sa.and_(
        col(LoginFailure.at) > now - ACCOUNT_CEILING_WINDOW, col(LoginFailure.email_key) == key
    )
    oldest = sa.func.min(LoginFailure.at)
    row = (
        await db.execute(
            sa.select(
                sa.func.count().filter(by_pair),
                oldest.filter(by_pair),
                sa.func.count().filter(by_client),
                oldest.filter(by_client),
                sa.func.count().filter(by_account),
                oldest.filter(by_account),
            ).where(sa.or_(by_client, by_account))
        )
    ).one()
    limits = (
        (MAX_FAILURES_PER_ACCOUNT_AND_CLIENT, WINDOW),
        (MAX_FAILURES_PER_CLIENT, WINDOW),
        (account_ceiling, ACCOUNT_CEILING_WINDOW),
    )
    for (limit, window), count, first in zip(limits, row[0::2], row[1::2], strict=True):
        if count >= limit:
            raise _rate_limited(LoginThrottled, until=first + window, now=now)


def failure(email: str, client_ip: str, now: datetime) -> LoginFailure:
    return LoginFailure(email_key=email_key(email), client_ip=client_ip, at=now)


async def forget_failures(db: AsyncSession, *, email: str, client_ip: str) -> None:
    """After a good login: this address starts afresh on this account. Failures from other
    addresses stay counted, so the owner logging in does not reset an attacker's budget."""
    await db.execute(
        sa.delete(LoginFailure).where(
            col(LoginFailure.email_key) == email_key(email),
            col(LoginFailure.client_ip) == client_ip,
        )
    )


async def refuse_password_change_if_throttled(
    db: AsyncSession, *, user_id: uuid.UUID, now: datetime
) -> None:
    """429 after 5 wrong current passwords in 15 minutes: a stolen access token must not allow
    unlimited guessing of the password."""
    count, oldest = (
        await db.execute(
            sa.select(sa.func.count(), sa.func.min(PasswordChangeFailure.at)).where(
                col(PasswordChangeFailure.user_id) == user_id,
                col(PasswordChangeFailure.at) > now - WINDOW,
            )
        )
    ).one()
    if count >= MAX_PASSWORD_CHANGE_FAILURES:
        raise _rate_limited(PasswordChangeThrottled, until=oldest + WINDOW, now=now)


async def count_signup(db: AsyncSession, *, client_ip: str, limit: int, now: datetime) -> None:
    """Count one sign-up from this address, or refuse it (429) when the address's window is full.

    One conditional upsert: the row lock it takes is held until the sign-up commits, so
    concurrent sign-ups from one address are counted one after the other and never overshoot.
    A sign-up that fails later rolls its count back with it.
    """
    started_at, signups = col(SignupWindow.window_started_at), col(SignupWindow.signups)
    stale = started_at <= now - SIGNUP_WINDOW
    counted = await db.scalar(
        insert(SignupWindow)
        .values(client_ip=client_ip, window_started_at=now, signups=1)
        .on_conflict_do_update(
            index_elements=[col(SignupWindow.client_ip)],
            set_={
                "signups": sa.case((stale, 1), else_=signups + 1),
                "window_started_at": sa.case((stale, now), else_=started_at),
            },
            where=sa.or_(stale, signups < limit),
        )
        .returning(signups)
    )
    if counted is None:
        started = await db.scalar(
            sa.select(started_at).where(col(SignupWindow.client_ip) == client_ip)
        )
        assert started is not None  # the upsert found the row and kept it locked
        raise _rate_limited(
            SignupThrottled,
            until=started + SIGNUP_WINDOW,
            now=now,
        )
