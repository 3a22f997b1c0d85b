"""The broker's client events: found by the owner reference it knows (stored per partner and
user, as `owner_reference` computes it), recorded once per event id, audited, and dating the
client's lifecycle from the broker account's opening."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.accounts.models import Partner
from api.accounts.partners import create_partner, owner_reference
from api.audit import AuditLog
from core.clock import FrozenClock
from tests.campaigns.campaign_helpers import make_segment, marketer_of
from tests.factories import UserFactory
from tests.helpers import PartnerKey
from tests.outcomes.helpers import events_of, partner

__all__ = ["partner"]  # fixtures used by name


async def reference_of(
    sessionmaker: async_sessionmaker[AsyncSession], partner_id: uuid.UUID, user_id: uuid.UUID
) -> str:
    async with sessionmaker() as db:
        secret = await db.scalar(
            sa.select(col(Partner.owner_secret)).where(col(Partner.id) == partner_id)
        )
    assert secret is not None
    return owner_reference(secret, user_id)


def event(at: datetime, **fields: Any) -> dict[str, Any]:
    return {"event_id": "evt-1", "type": "account_opened", "at": at.isoformat()} | fields


async def deliver(
    client: AsyncClient, partner: PartnerKey, ref: str, body: dict[str, Any]
) -> Response:
    return await client.post(
        f"/v1/partner/clients/{ref}/events", json=body, headers=partner.headers
    )


async def stored_refs(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID
) -> dict[uuid.UUID, str]:
    async with sessionmaker() as db:
        rows = await db.execute(
            sa.text("SELECT partner_id, owner_ref FROM partner_owner_ref WHERE user_id = :u"),
            {"u": user_id},
        )
        return {row.partner_id: row.owner_ref for row in rows}


async def test_references_are_stored_for_new_users_and_for_a_new_partners_users(
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    partner: PartnerKey,
) -> None:
    before = await user_factory()
    async with sessionmaker.begin() as db:
        second, _ = await create_partner(db, clock, name="second-broker")
    after = await user_factory()
    for user in (before, after):
        assert await stored_refs(sessionmaker, user.id) == {
            partner.id: await reference_of(sessionmaker, partner.id, user.id),
            second.id: await reference_of(sessionmaker, second.id, user.id),
        }


async def test_an_account_opening_is_recorded_once_and_dates_the_lifecycle(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    partner: PartnerKey,
) -> None:
    learner = await user_factory(created_days_ago=300)  # "growing" by the app sign-up
    ref = await reference_of(sessionmaker, partner.id, learner.id)
    opened = clock.now() - timedelta(days=10)
    first = await deliver(client, partner, ref, event(opened))
    assert first.status_code == 202, first.text
    assert first.json() == {
        "event_id": "evt-1",
        "type": "account_opened",
        "at": "2026-02-20T01:30:00.000Z",
        "tier": None,
        "received_at": "2026-03-02T01:30:00.000Z",
    }
    clock.advance(timedelta(minutes=5))
    again = await deliver(client, partner, ref, event(opened))
    assert (again.status_code, again.json()) == (202, first.json())
    assert await events_of(sessionmaker, learner.id, "broker_account_opened") == [
        ("broker_account_opened", None)
    ]
    async with sessionmaker() as db:
        rows = await db.scalar(sa.text("SELECT count(*) FROM partner_client_event"))
        opened_at = await db.scalar(
            sa.text("SELECT broker_account_opened_at FROM user_account WHERE id = :u"),
            {"u": learner.id},
        )
        audited = (
            await db.execute(
                sa.select(col(AuditLog.action), col(AuditLog.summary)).where(
                    col(AuditLog.actor_id) == partner.id
                )
            )
        ).all()
    assert (rows, opened_at) == (1, opened)
    assert [(a, s["repeated"]) for a, s in audited] == [
        ("client.event", False),
        ("client.event", True),
    ]
    # Audit entries outlive erasure: none links the broker's reference to the learner.
    assert all(str(learner.id) not in str(summary) for _, summary in audited)
    marketer = await marketer_of(user_factory)
    new = {"all": [{"field": "lifecycle_stage", "op": "eq", "value": "new"}]}
    segment_id = await make_segment(client, marketer, new)
    preview = await client.get(f"/v1/admin/segments/{segment_id}/preview", headers=marketer.headers)
    sample = {member["user_id"] for member in preview.json()["sample"]}
    assert str(learner.id) in sample  # new: counted from the opening 10 days ago


async def test_first_trade_and_tier_changes_are_events_with_the_tier(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    partner: PartnerKey,
) -> None:
    learner = await user_factory()
    ref = await reference_of(sessionmaker, partner.id, learner.id)
    bodies = [
        event(clock.now() - timedelta(days=1), event_id="a", type="first_trade"),
        event(clock.now(), event_id="b", type="asset_tier_changed", tier="T2"),
    ]
    for body in bodies:
        assert (await deliver(client, partner, ref, body)).status_code == 202
    kinds = ("broker_first_trade", "broker_tier_changed")
    assert await events_of(sessionmaker, learner.id, *kinds) == [
        ("broker_first_trade", None),
        ("broker_tier_changed", "T2"),
    ]


async def test_a_used_event_id_with_another_body_is_409_and_changes_nothing(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    partner: PartnerKey,
) -> None:
    learner = await user_factory()
    ref = await reference_of(sessionmaker, partner.id, learner.id)
    assert (await deliver(client, partner, ref, event(clock.now()))).status_code == 202
    other = event(clock.now(), type="first_trade")
    refused = await deliver(client, partner, ref, other)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/event-id-reused")
    assert await events_of(sessionmaker, learner.id, "broker_first_trade") == []


async def test_an_unknown_or_another_partners_reference_is_404_and_audited(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    partner: PartnerKey,
) -> None:
    learner = await user_factory()
    async with sessionmaker.begin() as db:
        second, _ = await create_partner(db, clock, name="second-broker")
    theirs = await reference_of(sessionmaker, second.id, learner.id)
    for ref in ("usr_" + "0" * 32, theirs):
        response = await deliver(client, partner, ref, event(clock.now()))
        assert response.status_code == 404, response.text
    async with sessionmaker() as db:
        refusals = (
            await db.scalars(
                sa.select(col(AuditLog.summary)).where(col(AuditLog.actor_id) == partner.id)
            )
        ).all()
    assert [summary["refused"] for summary in refusals] == ["not-found", "not-found"]


async def test_learners_and_unknown_keys_cannot_report_events(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    learner = await user_factory()
    url = f"/v1/partner/clients/usr_{'0' * 32}/events"
    for headers in (learner.headers, {"X-Partner-Key": "iqp_nope_nope"}):
        response = await client.post(url, json=event(clock.now()), headers=headers)
        assert response.status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "account_closed"}, "type"),
        ({"at": "2026-03-01T10:00:00"}, "at"),
        ({"at": "yesterday"}, "at"),
        ({"at": "2026-03-02T09:36:00+08:00"}, "at"),  # six minutes ahead of the clock
        ({"type": "asset_tier_changed"}, "tier"),
        ({"tier": "T2"}, "tier"),
        ({"tier": ""}, "tier"),
        ({"event_id": ""}, "event_id"),
        ({"event_id": "x" * 129}, "event_id"),
        ({"event_id": "has space"}, "event_id"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_a_bad_event_is_422_naming_the_field_and_records_nothing(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    partner: PartnerKey,
    change: dict[str, Any],
    field: str,
) -> None:
    learner = await user_factory()
    ref = await reference_of(sessionmaker, partner.id, learner.id)
    response = await deliver(client, partner, ref, event(clock.now()) | change)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json()["errors"]]
    async with sessionmaker() as db:
        assert await db.scalar(sa.text("SELECT count(*) FROM partner_client_event")) == 0


async def test_an_erased_client_is_exported_then_forgotten(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    partner: PartnerKey,
) -> None:
    learner = await user_factory()
    ref = await reference_of(sessionmaker, partner.id, learner.id)
    assert (await deliver(client, partner, ref, event(clock.now()))).status_code == 202
    export = (await client.get("/v1/me/export", headers=learner.headers)).json()
    assert [e["type"] for e in export["outcomes"]["broker_events"]] == ["account_opened"]
    assert (await client.delete("/v1/me", headers=learner.headers)).status_code == 204
    assert await stored_refs(sessionmaker, learner.id) == {}
    assert await events_of(sessionmaker, learner.id) == []
    later = event(clock.now(), event_id="evt-2", type="first_trade")
    assert (await deliver(client, partner, ref, later)).status_code == 404
    async with sessionmaker.begin() as db:
        await create_partner(db, clock, name="later-broker")
    assert await stored_refs(sessionmaker, learner.id) == {}  # a new partner: none for erased
