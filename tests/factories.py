"""Test users with a live session and an access token, made straight in the database."""

import itertools
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.accounts.models import AuthSession, UserAccount
from api.accounts.passwords import hash_password_blocking
from api.accounts.tokens import issue_access_token
from api.settings import Settings
from core.clock import Clock

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password_blocking(PASSWORD)  # hashed once: argon2 is slow on purpose
_numbers = itertools.count(1)


@dataclass(frozen=True)
class TestUser:
    __test__ = False  # a test's user, not a test class for pytest to collect

    id: uuid.UUID
    email: str
    session_id: uuid.UUID
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


UserFactory = Callable[..., Awaitable[TestUser]]


def user_factory_for(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
) -> UserFactory:
    async def create(
        *,
        roles: Sequence[str] = ("learner",),
        risk_profile: str | None = None,
        locale: str = "zh-CN",
        timezone: str = "Asia/Shanghai",
        created_days_ago: int = 0,
        email: str | None = None,
    ) -> TestUser:
        now = clock.now()
        email = email or f"learner{next(_numbers)}-{uuid.uuid4().hex[:6]}@example.com"
        account = UserAccount(
            email=email,
            password_hash=_PASSWORD_HASH,
            display_name=email.partition("@")[0],
            locale=locale,
            timezone=timezone,
            roles=sorted({"learner", *roles}),
            risk_profile=risk_profile,
            risk_assessed_at=now if risk_profile else None,
            password_changed_at=now,
            created_at=now - timedelta(days=created_days_ago),
        )
        session = AuthSession(user_id=account.id, created_at=now)
        async with sessionmaker.begin() as db:
            db.add(account)
            await db.flush()
            db.add(session)
        token = issue_access_token(
            settings.secret_key.get_secret_value(),
            user_id=account.id,
            session_id=session.id,
            now=now,
            lifetime=timedelta(minutes=settings.access_token_minutes),
        )
        return TestUser(account.id, email, session.id, token)

    return create
