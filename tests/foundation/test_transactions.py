"""The request transaction: a raised error rolls back, a `CommittedRefusal` commits what the
request recorded before refusing, and each kind of refusal in the app keeps its record."""

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from litestar import Litestar, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.accounts.models import AuthSession, LoginFailure, PasswordChangeFailure
from api.accounts.partners import PARTNER_KEY_HEADER, create_partner
from api.audit import AuditLog, record_audit
from api.idempotency import IdempotencyRecord
from core.clock import Clock, FrozenClock
from core.errors import CommittedRefusal, DomainError
from tests.factories import PASSWORD, UserFactory


class Refused(DomainError):
    code = "test-refused"


@post("/test/refuse/{how:str}", exclude_from_auth=True, status_code=200)
async def write_then_refuse(
    db: NamedDependency[AsyncSession], clock: NamedDependency[Clock], how: FromPath[str]
) -> None:
    await record_audit(
        db,
        clock,
        actor_kind="user",
        actor_id=None,
        action=f"test.{how}",
        object_type="test",
        object_id=how,
    )
    if how == "raise":
        raise Refused()
    raise CommittedRefusal(Refused())


@pytest.fixture
def app(own_app: Litestar) -> Litestar:
    own_app.register(write_then_refuse)
    return own_app


async def count(sessionmaker: async_sessionmaker[AsyncSession], query: Any) -> int:
    async with sessionmaker() as db:
        return int(await db.scalar(sa.select(sa.func.count()).select_from(query)) or 0)


def audits(action: str) -> Any:
    return sa.select(AuditLog).where(col(AuditLog.action) == action).subquery()


async def test_a_raised_error_rolls_back_what_the_request_wrote(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.post("/test/refuse/raise")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/test-refused")
    assert await count(sessionmaker, audits("test.raise")) == 0


async def test_a_committed_refusal_answers_its_error_and_keeps_what_was_written(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.post("/test/refuse/commit")
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/test-refused")
    assert await count(sessionmaker, audits("test.commit")) == 1


async def test_a_wrong_password_at_login_keeps_its_failure_for_throttling(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], user_factory: UserFactory
) -> None:
    user = await user_factory()
    response = await client.post("/v1/auth/login", json={"email": user.email, "password": "nope"})
    assert response.status_code == 401
    assert response.json()["type"].endswith("/unauthorized")
    assert await count(sessionmaker, sa.select(LoginFailure).subquery()) == 1


async def test_a_wrong_current_password_keeps_its_failure_for_throttling(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], user_factory: UserFactory
) -> None:
    user = await user_factory()
    response = await client.post(
        "/v1/me/password",
        json={"current_password": "a wrong guess", "new_password": "another long passphrase"},
        headers=user.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "current_password", "message": "incorrect"}]
    failures = sa.select(PasswordChangeFailure).where(col(PasswordChangeFailure.user_id) == user.id)
    assert await count(sessionmaker, failures.subquery()) == 1


async def test_a_reused_refresh_token_keeps_its_session_revoked(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], user_factory: UserFactory
) -> None:
    user = await user_factory()
    login = await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    token = login.json()["refresh_token"]
    assert (await client.post("/v1/auth/refresh", json={"refresh_token": token})).is_success
    reused = await client.post("/v1/auth/refresh", json={"refresh_token": token})
    assert reused.status_code == 401
    assert reused.json()["type"].endswith("/session-ended")
    revoked = sa.select(AuthSession).where(
        col(AuthSession.user_id) == user.id, col(AuthSession.revoked_reason) == "refresh-reuse"
    )
    assert await count(sessionmaker, revoked.subquery()) == 1


async def test_a_refused_partner_call_keeps_its_audit_entry(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker.begin() as db:
        _, key = await create_partner(db, clock, name=f"broker-{uuid.uuid4().hex[:6]}")
    response = await client.get(
        "/v1/partner/vouchers/NO-SUCH-CODE", headers={PARTNER_KEY_HEADER: key}
    )
    assert response.status_code == 404
    assert await count(sessionmaker, audits("voucher.lookup")) == 1


async def test_an_idempotent_refusal_is_stored_and_answered_byte_for_byte(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], user_factory: UserFactory
) -> None:
    user = await user_factory()
    headers = user.headers | {"Idempotency-Key": "refused-once"}
    body = {"product_id": str(uuid.uuid4())}
    first = await client.post("/v1/vouchers/redemptions", json=body, headers=headers)
    again = await client.post("/v1/vouchers/redemptions", json=body, headers=headers)
    assert first.status_code == 404
    stored = sa.select(IdempotencyRecord).where(col(IdempotencyRecord.key) == "refused-once")
    assert await count(sessionmaker, stored.subquery()) == 1
    assert (again.status_code, again.content) == (first.status_code, first.content)
