"""There is always a live admin: nobody removes the last admin's role or deletes that account,
and an admin cannot demote themselves."""

import asyncio

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.accounts.roles import LastAdmin, set_user_roles
from tests import factories
from tests.factories import UserFactory


def roles_path(user: factories.TestUser) -> str:
    return f"/v1/admin/users/{user.id}/roles"


async def live_admins(db: AsyncSession) -> int:
    count = await db.scalar(
        sa.text(
            "SELECT count(*) FROM user_account WHERE 'admin' = ANY(roles) AND deleted_at IS NULL"
        )
    )
    return int(count or 0)


async def test_an_admin_removing_their_own_admin_role_is_403(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=["admin"])
    await user_factory(roles=["admin"])  # not the last one: the rule is about oneself
    response = await client.put(
        roles_path(admin), json={"roles": ["editor"]}, headers=admin.headers
    )
    assert response.status_code == 403
    assert response.json()["type"].endswith("/self-demotion-forbidden")
    me = (await client.get("/v1/me", headers=admin.headers)).json()
    assert "admin" in me["roles"]


async def test_the_last_admins_role_cannot_be_removed_but_another_admins_can(
    client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    await db.execute(sa.text("UPDATE user_account SET roles = '{learner}'"))  # no other admins
    await db.commit()
    first, second = await user_factory(roles=["admin"]), await user_factory(roles=["admin"])
    demoted = await client.put(
        roles_path(second), json={"roles": ["moderator"]}, headers=first.headers
    )
    assert demoted.status_code == 200
    # No admin is left to call the route for `first`; the CLI path (no acting admin) is the same.
    with pytest.raises(LastAdmin):
        await set_user_roles(db, first.id, ["editor"])
    assert await live_admins(db) == 1


async def test_the_last_admin_cannot_delete_their_account(
    client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    await db.execute(sa.text("UPDATE user_account SET roles = '{learner}'"))
    await db.commit()
    admin = await user_factory(roles=["admin"])
    response = await client.delete("/v1/me", headers=admin.headers)
    assert response.status_code == 409
    assert response.json()["type"].endswith("/last-admin")
    assert (await client.get("/v1/me", headers=admin.headers)).status_code == 200
    await user_factory(roles=["admin"])
    assert (await client.delete("/v1/me", headers=admin.headers)).status_code == 204


@pytest.mark.committing
async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    first = await user_factory(roles=["admin"])
    second = await user_factory(roles=["admin"])
    responses = await asyncio.gather(
        client.put(roles_path(second), json={"roles": ["editor"]}, headers=first.headers),
        client.put(roles_path(first), json={"roles": ["editor"]}, headers=second.headers),
    )
    # The loser is refused as the last admin (409), or, if it was authenticated after the
    # winner committed, as no longer an admin (403).
    assert sorted(r.status_code for r in responses)[0] == 200
    assert sorted(r.status_code for r in responses)[1] in (403, 409)
    async with sessionmaker() as db:
        assert await live_admins(db) == 1


@pytest.mark.committing
async def test_a_demotion_waiting_on_another_finds_itself_the_last_admin(
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    first = await user_factory(roles=["admin"])
    second = await user_factory(roles=["admin"])
    async with sessionmaker() as one, sessionmaker() as two:
        await set_user_roles(one, second.id, ["editor"], by=first.id)  # holds the admin rows
        waiting = asyncio.create_task(set_user_roles(two, first.id, ["editor"], by=second.id))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # blocked on the admin rows
        await one.commit()
        with pytest.raises(LastAdmin):
            await waiting
        await two.rollback()
        assert await live_admins(two) == 1
