"""A partner keeps its identity across key rotation: several keys, an overlap, then expiry; owner
references that depend on neither the key nor SECRET_KEY; the last use of each key, cheaply."""

import asyncio
import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel import col

from api.accounts.models import PartnerKey as PartnerKeyRow
from api.accounts.partners import (
    PartnerNameTaken,
    PartnerNotFound,
    authenticate_partner,
    create_partner,
    revoke_partner,
    rotate_partner_key,
)
from api.app import create_app
from api.migrations import upgrade
from api.settings import Settings
from core.clock import FrozenClock
from tests.factories import UserFactory
from tests.helpers import Funder, PartnerKey, ProductFactory, http_client, redeem

OVERLAP = timedelta(hours=24)


async def rotate(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, name: str
) -> dict[str, str]:
    async with sessionmaker.begin() as db:
        key, _ = await rotate_partner_key(db, clock, name=name, overlap=OVERLAP)
    return {"X-Partner-Key": key}


async def partner_name(db: AsyncSession, partner: PartnerKey) -> str:
    name = await db.scalar(text("SELECT name FROM partner WHERE id = :id"), {"id": partner.id})
    return str(name)


async def issued_code(
    client: AsyncClient, user_factory: UserFactory, product_factory: ProductFactory, fund: Funder
) -> str:
    user = await user_factory()
    await fund(user.id, 100)
    product = await product_factory(points_price=30)
    response = await redeem(client, user.headers, product.id)
    assert response.status_code == 201, response.text
    code: str = response.json()["voucher"]["code"]
    return code


async def test_after_rotation_both_keys_work_for_the_overlap_then_only_the_new_one(
    client: AsyncClient,
    partner: PartnerKey,
    sessionmaker: async_sessionmaker[AsyncSession],
    db: AsyncSession,
    clock: FrozenClock,
) -> None:
    url = "/v1/partner/vouchers/ABCD-EFGH-JKMN"  # unknown: 404 once the key is accepted
    new = await rotate(sessionmaker, clock, await partner_name(db, partner))
    clock.advance(OVERLAP - timedelta(seconds=1))
    assert (await client.get(url, headers=partner.headers)).status_code == 404
    assert (await client.get(url, headers=new)).status_code == 404
    clock.advance(timedelta(seconds=1))
    assert (await client.get(url, headers=partner.headers)).status_code == 401
    assert (await client.get(url, headers=new)).status_code == 404


async def test_owner_references_survive_rotation_and_a_new_secret_key(
    client: AsyncClient,
    user_factory: UserFactory,
    product_factory: ProductFactory,
    fund: Funder,
    partner: PartnerKey,
    sessionmaker: async_sessionmaker[AsyncSession],
    db: AsyncSession,
    clock: FrozenClock,
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    code = await issued_code(client, user_factory, product_factory, fund)
    url = f"/v1/partner/vouchers/{code}"
    before = (await client.get(url, headers=partner.headers)).json()["owner_reference"]
    new = await rotate(sessionmaker, clock, await partner_name(db, partner))
    assert (await client.get(url, headers=new)).json()["owner_reference"] == before
    rekeyed = settings.model_copy(update={"secret_key": SecretStr("another-secret-" * 4)})
    app = create_app(rekeyed, engine, sessionmaker=sessionmaker, clock=clock)
    async with http_client(app) as other:
        assert (await other.get(url, headers=new)).json()["owner_reference"] == before
    async with sessionmaker.begin() as session:
        _, other_key = await create_partner(session, clock, name="another-broker")
    elsewhere = await client.get(url, headers={"X-Partner-Key": other_key})
    assert elsewhere.json()["owner_reference"] != before


async def test_creating_a_partner_is_not_cut_by_the_engines_statement_timeout(
    db: AsyncSession, clock: FrozenClock
) -> None:
    """Its insert writes every live user's owner reference in one statement: minutes at a
    million users, past the 15 s the engine gives a statement."""
    assert await db.scalar(text("SHOW statement_timeout")) != "30min"
    await create_partner(db, clock, name="a-big-broker")
    assert await db.scalar(text("SHOW statement_timeout")) == "30min"


async def test_a_keys_last_use_is_written_at_most_once_a_minute(
    client: AsyncClient,
    partner: PartnerKey,
    db: AsyncSession,
    clock: FrozenClock,
) -> None:
    url = "/v1/partner/vouchers/ABCD-EFGH-JKMN"

    async def last_used() -> object:
        return await db.scalar(
            sa.select(col(PartnerKeyRow.last_used_at))
            .where(col(PartnerKeyRow.partner_id) == partner.id)
            .execution_options(populate_existing=True)
        )

    assert await last_used() is None
    first = clock.now()
    await client.get(url, headers=partner.headers)
    assert await last_used() == first
    clock.advance(timedelta(seconds=59))
    await client.get(url, headers=partner.headers)
    assert await last_used() == first
    clock.advance(timedelta(seconds=1))
    await client.get(url, headers=partner.headers)
    assert await last_used() == clock.now()


async def test_revoking_a_partner_stops_every_key_and_rotation(
    partner: PartnerKey,
    sessionmaker: async_sessionmaker[AsyncSession],
    db: AsyncSession,
    clock: FrozenClock,
) -> None:
    name = await partner_name(db, partner)
    new = await rotate(sessionmaker, clock, name)
    async with sessionmaker.begin() as session:
        assert await revoke_partner(session, clock, name=name)
    async with sessionmaker() as session:
        for key in (partner.key, new["X-Partner-Key"]):
            assert await authenticate_partner(session, key, now=clock.now()) is None
    with pytest.raises(PartnerNotFound):
        await rotate(sessionmaker, clock, name)


async def test_a_taken_partner_name_is_refused_not_a_crash(
    partner: PartnerKey,
    sessionmaker: async_sessionmaker[AsyncSession],
    db: AsyncSession,
    clock: FrozenClock,
) -> None:
    name = await partner_name(db, partner)
    with pytest.raises(PartnerNameTaken):
        async with sessionmaker.begin() as session:
            await create_partner(session, clock, name=name)


async def test_the_upgrade_moves_each_partners_key_so_it_keeps_working(
    scratch_database: str, clock: FrozenClock
) -> None:
    key = "iqp_0123456789ab_the-rest-of-an-old-key"
    await asyncio.to_thread(upgrade, scratch_database, "0007")
    engine = create_async_engine(scratch_database)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO partner (id, name, key_prefix, key_hash, created_at) "
                "VALUES (gen_random_uuid(), 'old-broker', '0123456789ab', :hash, now())"
            ),
            {"hash": hashlib.sha256(key.encode()).hexdigest()},
        )
    await asyncio.to_thread(upgrade, scratch_database)
    async with async_sessionmaker(engine)() as session:
        caller = await authenticate_partner(session, key, now=clock.now())
    await engine.dispose()
    assert caller is not None
    assert (caller.name, len(caller.owner_secret)) == ("old-broker", 32)
