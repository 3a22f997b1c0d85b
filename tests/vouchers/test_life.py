"""A voucher's life after issue: the owner's list, the broker's lookup and consume, the daily
expiry and an admin's revocation with its refund."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from api.audit import AuditLog
from core.clock import FrozenClock
from gamification.ledger.models import LedgerTransaction
from gamification.ledger.reconcile import check_ledger
from gamification.vouchers.expiry import expire_chunk, expire_overdue_vouchers
from gamification.vouchers.models import Voucher
from tests.factories import UserFactory
from tests.helpers import Funder, PartnerKey, ProductFactory, points_of, redeem


async def issued(
    client: AsyncClient,
    headers: dict[str, str],
    product_factory: ProductFactory,
    **product: Any,
) -> dict[str, Any]:
    made = await product_factory(**({"points_price": 30} | product))
    response = await redeem(client, headers, made.id)
    assert response.status_code == 201, response.text
    voucher: dict[str, Any] = response.json()["voucher"]
    return voucher


async def audit_actions(db: AsyncSession, actor_id: uuid.UUID) -> list[tuple[str, Any]]:
    rows = await db.execute(
        sa.select(col(AuditLog.action), col(AuditLog.summary), col(AuditLog.actor_kind))
        .where(col(AuditLog.actor_id) == actor_id)
        .order_by(col(AuditLog.created_at), col(AuditLog.id))
    )
    return [(action, summary) for action, summary, kind in rows.all() if kind != "system"]


async def test_my_vouchers_lists_only_mine_newest_first_in_pages(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
) -> None:
    me, other = await user_factory(), await user_factory()
    await fund(me.id, 1000)
    await fund(other.id, 1000)
    mine = []
    for _ in range(3):
        mine.append(await issued(client, me.headers, product_factory))
        clock.advance(timedelta(seconds=1))
    theirs = await issued(client, other.headers, product_factory)
    first = await client.get("/v1/me/vouchers?limit=2", headers=me.headers)
    assert first.status_code == 200
    page = first.json()
    assert [v["id"] for v in page["items"]] == [mine[2]["id"], mine[1]["id"]]
    rest = await client.get(
        f"/v1/me/vouchers?limit=2&cursor={page['next_cursor']}", headers=me.headers
    )
    assert [v["id"] for v in rest.json()["items"]] == [mine[0]["id"]]
    assert rest.json()["next_cursor"] is None
    assert {"code", "kind", "terms", "status", "issued_at", "expires_at"} <= set(page["items"][0])
    assert theirs["code"] not in first.text + rest.text


async def test_a_learner_cannot_see_or_consume_someone_elses_voucher(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
) -> None:
    owner, snoop = await user_factory(), await user_factory()
    await fund(owner.id, 100)
    voucher = await issued(client, owner.headers, product_factory)
    assert (await client.get(f"/v1/me/vouchers/{voucher['id']}", headers=owner.headers)).is_success
    peek = await client.get(f"/v1/me/vouchers/{voucher['id']}", headers=snoop.headers)
    assert peek.status_code == 404
    missing = await client.get(f"/v1/me/vouchers/{uuid.uuid4()}", headers=snoop.headers)
    assert peek.json()["detail"] == missing.json()["detail"]
    listed = await client.get("/v1/me/vouchers", headers=snoop.headers)
    assert listed.json()["items"] == []
    # The partner routes take only a partner key: a learner's token gets nowhere near them.
    code = voucher["code"]
    lookup = await client.get(f"/v1/partner/vouchers/{code}", headers=snoop.headers)
    consume = await client.post(
        f"/v1/partner/vouchers/{code}/consume", json={"reference": "T1"}, headers=snoop.headers
    )
    assert lookup.status_code == consume.status_code == 401


async def test_partner_looks_up_and_consumes_once_per_reference(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    partner: PartnerKey,
    db: AsyncSession,
) -> None:
    user = await user_factory()
    await fund(user.id, 100)
    voucher = await issued(client, user.headers, product_factory)
    typed = voucher["code"].replace("-", "").lower()  # read out over the phone
    lookup = await client.get(f"/v1/partner/vouchers/{typed}", headers=partner.headers)
    assert lookup.status_code == 200
    seen = lookup.json()
    assert seen["status"] == "issued"
    assert seen["terms"] == voucher["terms"]
    assert seen["owner_reference"].startswith("usr_")
    assert user.email not in lookup.text
    assert str(user.id) not in lookup.text

    url = f"/v1/partner/vouchers/{voucher['code']}/consume"
    first = await client.post(url, json={"reference": "TRADE-1"}, headers=partner.headers)
    assert first.status_code == 200
    assert first.json()["status"] == "consumed"
    again = await client.post(url, json={"reference": "TRADE-1"}, headers=partner.headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    other = await client.post(url, json={"reference": "TRADE-2"}, headers=partner.headers)
    assert other.status_code == 409
    assert other.json()["type"].endswith("/already-consumed")
    mine = await client.get(f"/v1/me/vouchers/{voucher['id']}", headers=user.headers)
    assert mine.json()["status"] == "consumed"

    actions = await audit_actions(db, partner.id)
    assert [action for action, _ in actions] == ["voucher.lookup"] + ["voucher.consume"] * 3
    assert [summary.get("refused") for _, summary in actions[1:]] == [
        None,
        None,
        "already-consumed",
    ]
    assert actions[2][1]["repeated"] is True


async def test_unknown_codes_are_404_and_audited(
    client: AsyncClient, partner: PartnerKey, db: AsyncSession
) -> None:
    for code in ("ABCD-EFGH-JKMN", "not a code"):
        lookup = await client.get(f"/v1/partner/vouchers/{code}", headers=partner.headers)
        consume = await client.post(
            f"/v1/partner/vouchers/{code}/consume",
            json={"reference": "T-9"},
            headers=partner.headers,
        )
        assert lookup.status_code == consume.status_code == 404
    actions = [action for action, _ in await audit_actions(db, partner.id)]
    assert actions == ["voucher.lookup", "voucher.consume"] * 2


async def test_a_bad_partner_key_is_401(client: AsyncClient) -> None:
    response = await client.get(
        "/v1/partner/vouchers/ABCD-EFGH-JKMN", headers={"X-Partner-Key": "iqp_nope_nope"}
    )
    assert response.status_code == 401


async def test_expired_vouchers_cannot_be_consumed_and_the_job_marks_them(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    partner: PartnerKey,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
    db: AsyncSession,
) -> None:
    user = await user_factory()
    await fund(user.id, 1000)
    short = await issued(client, user.headers, product_factory, validity_days=1)
    long = await issued(client, user.headers, product_factory, validity_days=30)
    clock.advance(timedelta(days=1))
    # Past expiry it is expired for everyone at once, before the job has run.
    lookup = await client.get(f"/v1/partner/vouchers/{short['code']}", headers=partner.headers)
    assert lookup.json()["status"] == "expired"
    consume = await client.post(
        f"/v1/partner/vouchers/{short['code']}/consume",
        json={"reference": "T-1"},
        headers=partner.headers,
    )
    assert consume.status_code == 409
    assert consume.json()["type"].endswith("/voucher-expired")

    assert await expire_overdue_vouchers(sessionmaker, now=clock.now()) == 1
    assert await expire_overdue_vouchers(sessionmaker, now=clock.now()) == 0
    rows = await db.execute(sa.select(col(Voucher.code), col(Voucher.status)))
    statuses = dict(rows.all())
    assert statuses == {short["code"]: "expired", long["code"]: "issued"}


async def test_expiry_works_in_chunks(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    clock: FrozenClock,
    db: AsyncSession,
) -> None:
    user = await user_factory()
    await fund(user.id, 1000)
    for _ in range(5):
        await issued(client, user.headers, product_factory, validity_days=1)
    now = clock.now() + timedelta(days=2)
    assert await expire_chunk(db, now=now, chunk=2) == 2
    assert await expire_chunk(db, now=now, chunk=2) == 2
    assert await expire_chunk(db, now=now, chunk=2) == 1
    assert await expire_chunk(db, now=now, chunk=2) == 0


async def test_admin_revokes_an_unused_voucher_and_the_points_come_back(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    partner: PartnerKey,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
    db: AsyncSession,
) -> None:
    admin = await user_factory(roles=["admin"])
    user = await user_factory()
    await fund(user.id, 100)
    voucher = await issued(client, user.headers, product_factory)
    assert await points_of(sessionmaker, clock, user.id) == 70
    url = f"/v1/admin/vouchers/{voucher['id']}/revoke"
    learner_try = await client.post(url, json={"reason": "mine"}, headers=user.headers)
    assert learner_try.status_code == 403
    revoked = await client.post(url, json={"reason": "issued in error"}, headers=admin.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["refunded_points"] == 30
    assert await points_of(sessionmaker, clock, user.id) == 100
    refunds = await db.scalar(
        sa.select(sa.func.count()).where(col(LedgerTransaction.kind) == "refund")
    )
    assert refunds == 1
    twice = await client.post(url, json={"reason": "again"}, headers=admin.headers)
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/not-revocable")
    assert await points_of(sessionmaker, clock, user.id) == 100
    consume = await client.post(
        f"/v1/partner/vouchers/{voucher['code']}/consume",
        json={"reference": "T-1"},
        headers=partner.headers,
    )
    assert consume.status_code == 409
    assert consume.json()["type"].endswith("/voucher-revoked")
    mine = await client.get("/v1/me/vouchers?status=revoked", headers=user.headers)
    assert [v["id"] for v in mine.json()["items"]] == [voucher["id"]]
    assert [action for action, _ in await audit_actions(db, admin.id)] == ["voucher.revoke"]
    assert await check_ledger(db) == []


async def test_a_consumed_or_unknown_voucher_cannot_be_revoked(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    partner: PartnerKey,
) -> None:
    admin = await user_factory(roles=["admin"])
    user = await user_factory()
    await fund(user.id, 100)
    voucher = await issued(client, user.headers, product_factory)
    await client.post(
        f"/v1/partner/vouchers/{voucher['code']}/consume",
        json={"reference": "T-1"},
        headers=partner.headers,
    )
    refused = await client.post(
        f"/v1/admin/vouchers/{voucher['id']}/revoke", json={"reason": "x"}, headers=admin.headers
    )
    assert refused.status_code == 409
    unknown = await client.post(
        f"/v1/admin/vouchers/{uuid.uuid4()}/revoke", json={"reason": "x"}, headers=admin.headers
    )
    assert unknown.status_code == 404


@pytest.mark.committing
async def test_expiry_skips_a_voucher_being_consumed_and_finishes_the_rest(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    clock: FrozenClock,
) -> None:
    user = await user_factory()
    await fund(user.id, 1000)
    codes = [
        (await issued(client, user.headers, product_factory, validity_days=1))["code"]
        for _ in range(3)
    ]
    later = clock.now() + timedelta(days=2)
    async with engine.connect() as holder:  # e.g. a partner's consume, mid-transaction
        await holder.execute(
            sa.text("SELECT id FROM voucher WHERE code = :code FOR NO KEY UPDATE"),
            {"code": codes[0]},
        )
        expired = await asyncio.wait_for(
            expire_overdue_vouchers(sessionmaker, now=later, chunk=1), timeout=10
        )
        await holder.rollback()
    assert expired == 2
    assert await expire_overdue_vouchers(sessionmaker, now=later) == 1
