"""Sign-up, login, refresh-token rotation, logout and password change."""

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.accounts import throttle
from api.accounts.display_names import clean_display_name
from api.accounts.errors import (
    EmailTaken,
    InvalidEmail,
    RefreshRefused,
    WrongCredentials,
    WrongCurrentPassword,
)
from api.accounts.models import AuthSession, PasswordChangeFailure, RefreshToken, UserAccount
from api.accounts.passwords import (
    check_password_rules,
    hash_password,
    needs_rehash,
    verify_password,
)
from api.accounts.profile import ProfileChanges, check_profile_changes
from api.accounts.tokens import hash_refresh_token, issue_access_token, new_refresh_token
from api.business_metrics import REGISTRATIONS, count_on_commit
from api.settings import Settings
from core.errors import CommittedRefusal
from core.ids import new_id


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user_id: uuid.UUID


def login_email(email: str) -> str:
    """The form an email is stored in; unparseable input is only folded (it matches nothing)."""
    try:
        return normalise_email(email)
    except InvalidEmail:
        return unicodedata.normalize("NFKC", email).strip().lower()


def normalise_email(email: str) -> str:
    """The one stored form of an email: NFKC first, so compatibility characters such as
    full-width `ＡＤＭＩＮ＠example.com` become `admin@example.com`, then the validator's
    normal form, lower-cased."""
    try:
        folded = unicodedata.normalize("NFKC", email).strip()
        return validate_email(folded, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from exc


async def register(
    db: AsyncSession,
    settings: Settings,
    *,
    email: str,
    password: str,
    display_name: str,
    birthday: date | None,
    locale: str,
    client_ip: str,
    now: datetime,
) -> TokenPair:
    """A new account and its first session; at most `register_per_address_per_hour` sign-ups
    from one address (429 beyond)."""
    await throttle.count_signup(
        db, client_ip=client_ip, limit=settings.register_per_address_per_hour, now=now
    )
    check_profile_changes(ProfileChanges(birthday=birthday, locale=locale), today=now.date())
    account = await create_account(
        db,
        settings,
        email=email,
        password=password,
        display_name=display_name,
        birthday=birthday,
        locale=locale,
        now=now,
    )
    count_on_commit(db, REGISTRATIONS)
    return await start_session(db, settings, user_id=account.id, now=now)


async def create_account(
    db: AsyncSession,
    settings: Settings,
    *,
    email: str,
    password: str,
    display_name: str,
    now: datetime,
    birthday: date | None = None,
    locale: str = "zh-CN",
    roles: list[str] | None = None,
) -> UserAccount:
    """Insert an account; a taken email is 409 (the unique index decides, not a prior read)."""
    display_name = clean_display_name(display_name)
    email = normalise_email(email)
    check_password_rules(password, email=email, display_name=display_name)
    account = (
        await db.execute(
            insert(UserAccount)
            .values(
                id=new_id(),
                email=email,
                password_hash=await hash_password(password),
                display_name=display_name,
                birthday=birthday,
                locale=locale,
                timezone=settings.business_timezone,
                roles=roles or ["learner"],
                password_changed_at=now,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["email"])
            .returning(UserAccount)
        )
    ).scalar_one_or_none()
    if account is None:
        raise EmailTaken()
    return account


async def login(
    db: AsyncSession,
    settings: Settings,
    *,
    email: str,
    password: str,
    client_ip: str,
    now: datetime,
) -> TokenPair:
    """A new session; bad credentials are refused with the failure committed for throttling."""
    account = await authenticate(
        db, settings, email=email, password=password, client_ip=client_ip, now=now
    )
    return await start_session(db, settings, user_id=account.id, now=now)


async def authenticate(
    db: AsyncSession,
    settings: Settings,
    *,
    email: str,
    password: str,
    client_ip: str,
    now: datetime,
) -> UserAccount:
    """The live account these credentials open, under the login throttles; bad credentials
    are refused with the failure committed for throttling. Opens no session."""
    email = login_email(email)
    await throttle.refuse_if_throttled(
        db,
        email=email,
        client_ip=client_ip,
        now=now,
        account_ceiling=settings.login_failures_per_account_per_hour,
    )
    account = (
        await db.execute(
            sa.select(UserAccount).where(
                col(UserAccount.email) == email,
                col(UserAccount.deleted_at).is_(None),
            )
        )
    ).scalar_one_or_none()
    if (
        not await verify_password(account.password_hash if account else None, password)
        or account is None
    ):
        db.add(throttle.failure(email, client_ip, now))
        raise CommittedRefusal(WrongCredentials())
    if account.password_hash and needs_rehash(account.password_hash):
        account.password_hash = await hash_password(password)
        db.add(account)
    await throttle.forget_failures(db, email=email, client_ip=client_ip)
    return account


async def start_session(
    db: AsyncSession, settings: Settings, *, user_id: uuid.UUID, now: datetime
) -> TokenPair:
    session = AuthSession(user_id=user_id, created_at=now)
    db.add(session)
    await db.flush()
    return await _issue_pair(db, settings, user_id=user_id, session_id=session.id, now=now)


async def _issue_pair(
    db: AsyncSession,
    settings: Settings,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    now: datetime,
) -> TokenPair:
    refresh, refresh_hash = new_refresh_token()
    db.add(
        RefreshToken(
            session_id=session_id,
            token_hash=refresh_hash,
            created_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    lifetime = timedelta(minutes=settings.access_token_minutes)
    access = issue_access_token(
        settings.secret_key.get_secret_value(),
        user_id=user_id,
        session_id=session_id,
        now=now,
        lifetime=lifetime,
    )
    await db.flush()
    return TokenPair(access, refresh, int(lifetime.total_seconds()), user_id)


async def refresh(db: AsyncSession, settings: Settings, *, token: str, now: datetime) -> TokenPair:
    """Rotate a refresh token. A spent token presented again revokes its whole session (and
    that revocation commits with the refusal).

    The conditional update lets exactly one of several concurrent uses win.
    """
    token_hash = hash_refresh_token(token)
    session_id = await db.scalar(
        sa.update(RefreshToken)
        .where(
            col(RefreshToken.token_hash) == token_hash,
            col(RefreshToken.used_at).is_(None),
            col(RefreshToken.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(RefreshToken.session_id))
    )
    if session_id is None:
        spent = await db.scalar(
            sa.select(col(RefreshToken.session_id)).where(
                col(RefreshToken.token_hash) == token_hash, col(RefreshToken.used_at).is_not(None)
            )
        )
        if spent is not None:
            await revoke_sessions(db, session_id=spent, now=now, reason="refresh-reuse")
        raise CommittedRefusal(RefreshRefused())
    user_id = await db.scalar(
        sa.select(col(AuthSession.user_id))
        .join(UserAccount, col(UserAccount.id) == col(AuthSession.user_id))
        .where(
            col(AuthSession.id) == session_id,
            col(AuthSession.revoked_at).is_(None),
            col(UserAccount.deleted_at).is_(None),
        )
    )
    if user_id is None:  # the token is spent all the same
        raise CommittedRefusal(RefreshRefused())
    return await _issue_pair(db, settings, user_id=user_id, session_id=session_id, now=now)


async def revoke_sessions(
    db: AsyncSession,
    *,
    now: datetime,
    reason: str,
    session_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> None:
    """Revoke one session, or every session of a user."""
    target = (
        col(AuthSession.id) == session_id if session_id else col(AuthSession.user_id) == user_id
    )
    await db.execute(
        sa.update(AuthSession)
        .where(target, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


async def change_password(
    db: AsyncSession, account: UserAccount, *, current: str, new: str, now: datetime
) -> None:
    """Set a new password and end every session. A wrong `current` is refused with the failure
    committed for throttling; 429 after too many wrong ones."""
    await throttle.refuse_password_change_if_throttled(db, user_id=account.id, now=now)
    if not await verify_password(account.password_hash, current):
        db.add(PasswordChangeFailure(user_id=account.id, at=now))
        raise CommittedRefusal(WrongCurrentPassword())
    check_password_rules(
        new, email=account.email or "", display_name=account.display_name, field="new_password"
    )
    await db.execute(
        sa.update(UserAccount)
        .where(col(UserAccount.id) == account.id)
        .values(password_hash=await hash_password(new), password_changed_at=now)
    )
    await revoke_sessions(db, user_id=account.id, now=now, reason="password-changed")
