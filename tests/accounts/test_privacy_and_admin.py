"""Export and erasure of personal data; roles; the audit log; every route needs a token."""

import subprocess
import sys
import uuid
from datetime import timedelta

import sqlalchemy as sa
from httpx import AsyncClient
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.accounts.auth_middleware import PUBLIC_GET_PATHS, PUBLIC_PATHS
from api.jobs import JobContext
from api.rewards.jobs import forget_old_cap_counters
from api.settings import Settings
from core.clock import FrozenClock
from gamification.ledger.operations import earn
from tests.accounts.test_profile import CAUTIOUS_ANSWERS
from tests.factories import PASSWORD, UserFactory


async def test_export_has_the_callers_data_and_no_one_elses(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    other = await user_factory()
    await client.patch(
        "/v1/me",
        json={"display_name": "Only Me", "consents": {"analytics": True}},
        headers=user.headers,
    )
    await client.patch("/v1/me", json={"display_name": "Someone Else"}, headers=other.headers)
    exported = await client.get("/v1/me/export", headers=user.headers)
    assert exported.status_code == 200
    text = exported.text
    assert user.email in text
    assert "Only Me" in text
    assert other.email not in text
    assert "Someone Else" not in text
    assert "password_hash" not in text
    assert exported.json()["account"]["consents"][0]["purpose"] == "analytics"


async def personal_values_left(db: AsyncSession, needles: list[str]) -> list[str]:
    """Every text or JSON column of every table, searched for any of the needles."""
    columns = (
        await db.execute(
            sa.text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' "
                "AND data_type IN ('text', 'character varying', 'jsonb', 'date', 'ARRAY')"
            )
        )
    ).all()
    found = []
    for table, column in columns:
        for needle in needles:
            hit = await db.scalar(
                sa.text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE :needle'),
                {"needle": f"%{needle}%"},
            )
            if hit:
                found.append(f"{table}.{column} contains {needle}")
    return found


async def test_delete_erases_personal_data_and_blocks_login(
    client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    user = await user_factory()
    personal = {"display_name": "Zhang Unique", "birthday": "2001-07-13"}
    await client.patch(
        "/v1/me", json={**personal, "consents": {"marketing": True}}, headers=user.headers
    )
    answers = dict.fromkeys(CAUTIOUS_ANSWERS, "a")
    await client.post("/v1/me/risk-assessment", json={"answers": answers}, headers=user.headers)
    await client.post("/v1/auth/login", json={"email": user.email, "password": "wrong guess"})
    assert (await client.delete("/v1/me", headers=user.headers)).status_code == 204
    assert (await client.get("/v1/me", headers=user.headers)).status_code == 401
    login = await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 401
    assert await personal_values_left(db, [user.email, "Zhang Unique", "2001-07-13"]) == []
    # The row stays (anonymous) so value records that point at it still balance.
    assert await db.scalar(
        sa.text("SELECT deleted_at IS NOT NULL FROM user_account WHERE id = :id"), {"id": user.id}
    )


async def test_learner_on_admin_route_is_403(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    learner = await user_factory()
    assert (await client.get("/v1/admin/audit-log", headers=learner.headers)).status_code == 403
    response = await client.put(
        f"/v1/admin/users/{learner.id}/roles", json={"roles": ["admin"]}, headers=learner.headers
    )
    assert response.status_code == 403


async def test_admin_sets_roles_and_it_is_audited(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=("admin",))
    learner = await user_factory()
    response = await client.put(
        f"/v1/admin/users/{learner.id}/roles", json={"roles": ["editor"]}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["editor", "learner"]
    assert (await client.get("/v1/me", headers=learner.headers)).json()["roles"] == [
        "editor",
        "learner",
    ]
    missing = await client.put(
        f"/v1/admin/users/{uuid.uuid4()}/roles", json={"roles": ["editor"]}, headers=admin.headers
    )
    assert missing.status_code == 404
    unknown_role = await client.put(
        f"/v1/admin/users/{learner.id}/roles", json={"roles": ["god"]}, headers=admin.headers
    )
    assert unknown_role.status_code == 422
    log = (
        await client.get(
            "/v1/admin/audit-log", params={"action": "user.roles.set"}, headers=admin.headers
        )
    ).json()
    assert [(e["object_id"], e["summary"]["after"]) for e in log["items"]] == [
        (str(learner.id), ["editor", "learner"])
    ]
    assert log["items"][0]["actor_id"] == str(admin.id)


async def test_audit_log_pages_newest_first_and_filters_by_actor(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=("admin",))
    other_admin = await user_factory(roles=("admin",))
    targets = [await user_factory() for _ in range(5)]
    for target in targets:
        await client.put(
            f"/v1/admin/users/{target.id}/roles",
            json={"roles": ["moderator"]},
            headers=admin.headers,
        )
    await client.put(
        f"/v1/admin/users/{targets[0].id}/roles",
        json={"roles": ["editor"]},
        headers=other_admin.headers,
    )
    seen, cursor = [], None
    while True:
        params = {"limit": "2", "actor": str(admin.id), **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get("/v1/admin/audit-log", params=params, headers=admin.headers)
        ).json()
        seen += [item["object_id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [str(t.id) for t in reversed(targets)]
    bad = await client.get(
        "/v1/admin/audit-log", params={"cursor": "!!nope"}, headers=admin.headers
    )
    assert bad.status_code == 422


async def test_every_route_needs_a_token_unless_public(app: Litestar, client: AsyncClient) -> None:
    import re

    checked = 0
    for route in app.routes:
        for method in getattr(route, "methods", set()) - {"OPTIONS", "HEAD"}:
            path = re.sub(r"\{[^}:]+:uuid\}", str(uuid.uuid4()), route.path)
            path = re.sub(r"\{[^}:]+:int\}", "1", path)
            path = re.sub(r"\{[^}]+\}", "x", path)
            response = await client.request(method, path)
            public = any(re.search(pattern, route.path) for pattern in PUBLIC_PATHS) or (
                method == "GET" and any(re.search(p, route.path) for p in PUBLIC_GET_PATHS)
            )
            if not public:
                assert response.status_code == 401, (
                    f"{method} {route.path} answered {response.status_code}"
                )
                checked += 1
    assert checked >= 10


def test_cli_creates_a_user_reading_the_password_from_stdin(cli_env: dict[str, str]) -> None:
    env = cli_env
    command = [
        sys.executable,
        "-m",
        "api.cli",
        "users",
        "create",
        "ed@example.com",
        "--role",
        "editor",
    ]
    result = subprocess.run(
        command, input="editor passphrase\n", env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "roles=editor,learner" in result.stdout
    again = subprocess.run(
        command, input="editor passphrase\n", env=env, capture_output=True, text=True, check=False
    )
    assert again.returncode != 0


def test_cli_creates_a_partner_and_prints_its_key_once(cli_env: dict[str, str]) -> None:
    env = cli_env
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "partners", "create", "broker-core"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("iqp_")
    revoke = [sys.executable, "-m", "api.cli", "partners", "revoke", "broker-core"]
    assert subprocess.run(revoke, env=env, capture_output=True, check=False).returncode == 0
    assert subprocess.run(revoke, env=env, capture_output=True, check=False).returncode != 0


async def test_export_has_a_section_per_area_with_points_history(
    client: AsyncClient, user_factory: UserFactory, db: AsyncSession, clock: FrozenClock
) -> None:
    user = await user_factory()
    other = await user_factory()
    for owner, points in ((user, 12), (other, 99)):
        await earn(
            db,
            user_id=owner.id,
            points=points,
            xp=4,
            key=f"k:{owner.id}",
            reference="r",
            reason={},
            now=clock.now(),
        )
    await db.commit()
    exported = (await client.get("/v1/me/export", headers=user.headers)).json()
    # One section per area that stores personal data, each read by that area.
    assert list(exported) == [
        "account",
        "actions",
        "learning",
        "rewards",
        "vouchers",
        "contests",
        "engagement",
        "community",
        "campaigns",
        "outcomes",
    ]
    assert [entry["amount"] for entry in exported["rewards"]["points"]["points"]] == [12]
    assert [entry["amount"] for entry in exported["rewards"]["points"]["xp"]] == [4]
    assert set(exported["learning"]) == {"course_progress", "lesson_progress", "quiz_attempts"}
    assert exported["vouchers"] == []


async def test_old_cap_counters_are_forgotten_by_the_daily_job(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, clock: FrozenClock
) -> None:
    ctx = JobContext(sessionmaker, clock, settings)
    assert (await forget_old_cap_counters(ctx)).startswith("deleted 0 daily cap counters")


async def test_deleting_an_account_needs_a_recent_login(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    user = await user_factory()
    clock.advance(timedelta(minutes=11))
    stale = await client.delete("/v1/me", headers=user.headers)
    assert stale.status_code == 403
    assert stale.json()["type"].endswith("/recent-login-required")
    login = await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    fresh = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await client.delete("/v1/me", headers=fresh)).status_code == 204
