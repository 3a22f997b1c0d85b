"""An HTTP change is audited by its caller (user or partner), at the app's clock time, with the
request id its response carries: one helper, api.audit.audit_request, fills these in."""

import uuid
from datetime import timedelta

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.accounts.partners import PARTNER_KEY_HEADER, create_partner
from api.audit import AuditLog
from core.clock import FrozenClock
from tests.factories import UserFactory


async def only_entry(db: AsyncSession, action: str) -> AuditLog:
    entries = (await db.scalars(sa.select(AuditLog).where(col(AuditLog.action) == action))).all()
    assert len(entries) == 1
    return entries[0]


async def test_a_users_change_is_audited_as_that_user_with_the_request_id(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=("admin",))
    learner = await user_factory()
    clock.advance(timedelta(minutes=5))
    response = await client.put(
        f"/v1/admin/users/{learner.id}/roles",
        json={"roles": ["editor"]},
        headers={**admin.headers, "X-Request-ID": "audit-roles-1"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Request-ID"] == "audit-roles-1"
    entry = await only_entry(db, "user.roles.set")
    assert (entry.actor_kind, entry.actor_id) == ("user", admin.id)
    assert (entry.object_type, entry.object_id) == ("user", str(learner.id))
    assert entry.request_id == "audit-roles-1"
    assert entry.created_at == clock.now()


async def test_a_partners_change_is_audited_as_that_partner_with_the_request_id(
    client: AsyncClient,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    name = f"broker-{uuid.uuid4().hex[:6]}"
    async with sessionmaker.begin() as setup:
        partner, key = await create_partner(setup, clock, name=name)
    clock.advance(timedelta(minutes=7))
    quote = {"symbol": "NOSUCH.SH", "price": "1.00", "at": clock.now().isoformat()}
    response = await client.post(
        "/v1/partner/quotes",
        json={"quotes": [quote]},
        headers={PARTNER_KEY_HEADER: key, "X-Request-ID": "audit-quotes-1"},
    )
    assert response.status_code == 200, response.text
    entry = await only_entry(db, "market.quotes")
    assert (entry.actor_kind, entry.actor_id) == ("partner", partner.id)
    assert entry.summary == {"partner": name, "accepted": 0, "refused": 1}
    assert entry.request_id == response.headers["X-Request-ID"] == "audit-quotes-1"
    assert entry.created_at == clock.now()
