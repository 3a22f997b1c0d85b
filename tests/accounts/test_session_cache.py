"""The per-process cache of the token check: it saves the session read, and a revocation on one
replica still reaches every other within a second (LISTEN/NOTIFY), or the cache stops trusting
itself while it cannot hear."""

import dataclasses
import gc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.accounts import auth_middleware
from api.accounts.caller import Caller, caller_of
from api.accounts.caller_changes import RECONNECT_SECONDS, listening
from api.accounts.models import UserAccount
from api.accounts.session_cache import SessionCache
from api.app import create_app
from api.database import create_engine, create_sessionmaker
from api.settings import Settings
from core.clock import FrozenClock
from core.driver_reads import Row
from tests.factories import UserFactory
from tests.helpers import http_client
from tests.waiting import eventually

WITHIN_SECONDS = 1.0


@dataclass
class Replica:
    app: Litestar
    client: AsyncClient
    engine: AsyncEngine
    session_reads: list[uuid.UUID]  # the sessions read from the database, as checked

    @property
    def cache(self) -> SessionCache:
        cache: SessionCache = self.app.state.session_cache
        return cache


@pytest.fixture
async def replicas(
    settings: Settings,
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[Replica, Replica]]:
    """Two app instances, each with its own engine, pool, cache and listener."""
    reads_by_engine: dict[AsyncEngine, list[uuid.UUID]] = {}
    monkeypatch.setattr(
        auth_middleware._LIVE_CALLER, "first", _noting_session_reads(reads_by_engine)
    )
    async with AsyncExitStack() as stack:
        started = []
        for _ in range(2):
            engine = create_engine(database_url, settings, serves_requests=True)
            stack.push_async_callback(engine.dispose)
            reads = reads_by_engine.setdefault(engine, [])
            app = create_app(
                settings, engine, sessionmaker=create_sessionmaker(engine), clock=clock
            )
            # The listener as the lifespan starts it (two lifespans in one process would
            # register the pool metrics twice).
            await stack.enter_async_context(listening(engine.url, app.state.session_cache))
            client = await stack.enter_async_context(http_client(app))
            started.append(Replica(app, client, engine, reads))
        for replica in started:
            await eventually(lambda replica=replica: replica.cache.trusted, within=WITHIN_SECONDS)  # type: ignore[misc]
        yield started[0], started[1]


def _noting_session_reads(
    reads_by_engine: dict[AsyncEngine, list[uuid.UUID]],
) -> Callable[..., Awaitable[Row | None]]:
    """The token check's read (a driver read: no SQLAlchemy event sees it), noted per app
    instance by the engine of the session it runs on."""
    read = auth_middleware._LIVE_CALLER.first

    async def note(db: AsyncSession, **params: Any) -> Row | None:
        assert isinstance(db.bind, AsyncEngine)
        reads_by_engine.setdefault(db.bind, []).append(params["session_id"])
        return await read(db, **params)

    return note


async def _refused(replica: Replica, headers: dict[str, str]) -> bool:
    return (await replica.client.get("/v1/me", headers=headers)).status_code == 401


@pytest.mark.committing
async def test_a_cached_token_check_skips_the_session_read(
    replicas: tuple[Replica, Replica], user_factory: UserFactory
) -> None:
    _, b = replicas
    user = await user_factory()
    for _ in range(3):
        assert (await b.client.get("/v1/me", headers=user.headers)).status_code == 200
    assert len(b.session_reads) == 1


@pytest.mark.committing
async def test_logout_on_one_replica_is_refused_on_another_within_a_second(
    replicas: tuple[Replica, Replica], user_factory: UserFactory
) -> None:
    a, b = replicas
    user = await user_factory()
    assert (await b.client.get("/v1/me", headers=user.headers)).status_code == 200  # cached
    assert (await a.client.post("/v1/auth/logout", headers=user.headers)).status_code == 204
    await eventually(lambda: _refused(b, user.headers), within=WITHIN_SECONDS)


@pytest.mark.committing
async def test_a_consent_decided_on_one_replica_shows_on_another_within_a_second(
    replicas: tuple[Replica, Replica], user_factory: UserFactory
) -> None:
    a, b = replicas
    user = await user_factory()
    for _ in range(2):  # the second answer comes from b's cache: the consents are kept there
        seen = await b.client.get("/v1/me", headers=user.headers)
        assert "marketing" not in seen.json()["consents"]
    decided = await a.client.patch(
        "/v1/me", json={"consents": {"marketing": True}}, headers=user.headers
    )
    assert decided.status_code == 200

    async def shown() -> bool:
        profile = (await b.client.get("/v1/me", headers=user.headers)).json()
        return bool(profile["consents"].get("marketing", {}).get("granted"))

    await eventually(shown, within=WITHIN_SECONDS)


@pytest.mark.committing
async def test_a_role_change_reaches_the_other_replica(
    replicas: tuple[Replica, Replica],
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, b = replicas
    user = await user_factory()
    admin_only = "/v1/admin/audit-log"
    assert (await b.client.get(admin_only, headers=user.headers)).status_code == 403
    async with sessionmaker.begin() as db:
        await db.execute(
            sa.update(UserAccount).where(UserAccount.id == user.id).values(roles=["admin"])  # type: ignore[arg-type]
        )

    async def admitted() -> bool:
        return (await b.client.get(admin_only, headers=user.headers)).status_code == 200

    await eventually(admitted, within=WITHIN_SECONDS)


@pytest.mark.committing
async def test_while_the_listener_is_down_every_request_is_checked_in_the_database(
    replicas: tuple[Replica, Replica],
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, b = replicas
    user = await user_factory()
    assert (await b.client.get("/v1/me", headers=user.headers)).status_code == 200  # cached
    async with sessionmaker.begin() as db:
        await db.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'investquest-listener' AND datname = current_database()"
            )
        )
    await eventually(lambda: not b.cache.trusted, within=WITHIN_SECONDS)
    async with sessionmaker.begin() as db:  # its notice is lost: nobody listens
        await db.execute(
            sa.text("UPDATE auth_session SET revoked_at = now() WHERE id = :id"),
            {"id": user.session_id},
        )
    assert await _refused(b, user.headers)
    await eventually(lambda: b.cache.trusted, within=RECONNECT_SECONDS + 5)  # back, empty


@pytest.mark.committing
async def test_a_consent_shows_on_the_same_replica_at_once_without_the_notice(
    settings: Settings,
    database_url: str,
    clock: FrozenClock,
    user_factory: UserFactory,
) -> None:
    engine = create_engine(database_url, settings, serves_requests=True)
    try:
        app = create_app(settings, engine, sessionmaker=create_sessionmaker(engine), clock=clock)
        cache: SessionCache = app.state.session_cache
        cache.trust()  # as if listening, but no notice ever comes: only the PATCH forgets
        user = await user_factory()
        async with http_client(app) as client:
            for _ in range(2):  # the second answer comes from the cache
                seen = await client.get("/v1/me", headers=user.headers)
                assert "marketing" not in seen.json()["consents"]
            decided = await client.patch(
                "/v1/me", json={"consents": {"marketing": True}}, headers=user.headers
            )
            assert decided.status_code == 200
            profile = (await client.get("/v1/me", headers=user.headers)).json()
        assert profile["consents"]["marketing"]["granted"] is True
    finally:
        await engine.dispose()


# --- the cache alone ----------------------------------------------------------------------


def _caller() -> Caller:
    account = UserAccount(
        email="a@example.com",
        password_hash="x",
        display_name="a",
        locale="en",
        timezone="UTC",
        roles=["learner"],
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return caller_of(account, uuid.uuid4(), now=datetime(2026, 3, 2, tzinfo=UTC))


NOW = datetime(2026, 3, 2, tzinfo=UTC)


def _same(cached: Caller | None, caller: Caller) -> bool:
    """The same caller, its account's columns equal (the cache builds both anew on a hit)."""
    assert cached is not None
    columns = UserAccount.__table__.columns.keys()  # type: ignore[attr-defined]
    return dataclasses.replace(cached, account=caller.account) == caller and all(
        getattr(cached.account, column) == getattr(caller.account, column) for column in columns
    )


async def test_a_cached_caller_is_kept_as_nothing_the_cycle_collector_visits() -> None:
    """A full collection visits every tracked object of the process; ten of them per cached
    session made it hold every request for 40 ms at 15,000 sessions, 280 ms at 50,000."""
    cache = SessionCache(30)
    cache.trust()
    callers = [_caller() for _ in range(3)]
    for caller in callers:
        cache.store(caller, generation=cache.generation)

    async def load() -> dict[str, tuple[bool, datetime]]:
        return {"marketing": (True, NOW)}

    assert await cache.consents_or_load(callers[0].user_id, load=load) == await load()
    for _ in range(4):  # a tuple is let go once what it holds is: a level a pass
        gc.collect()
    kept = [*cache._entries.values(), *cache._sessions_of.values(), *cache._consents.values()]
    assert len(kept) == 7
    assert [value for value in kept if gc.is_tracked(value)] == []
    for caller in callers:
        assert _same(cache.caller(caller.session_id, caller.user_id, now=NOW), caller)


def test_an_untrusted_cache_answers_nothing() -> None:
    cache = SessionCache(30)
    caller = _caller()
    cache.store(caller, generation=cache.generation)
    assert cache.caller(caller.session_id, caller.user_id, now=NOW) is None


def test_a_check_that_began_before_a_notice_is_not_kept() -> None:
    cache = SessionCache(30)
    cache.trust()
    caller = _caller()
    began = cache.generation
    cache.forget_user(caller.user_id)  # the notice arrives while the check is in flight
    cache.store(caller, generation=began)
    assert cache.caller(caller.session_id, caller.user_id, now=NOW) is None


def test_an_entry_expires_and_a_notice_forgets_only_its_user() -> None:
    clock = [0.0]
    cache = SessionCache(30, monotonic=lambda: clock[0])
    cache.trust()
    mine, theirs = _caller(), _caller()
    for caller in (mine, theirs):
        cache.store(caller, generation=cache.generation)
    cache.forget_user(theirs.user_id)
    assert _same(cache.caller(mine.session_id, mine.user_id, now=NOW), mine)  # built anew
    assert cache.caller(theirs.session_id, theirs.user_id, now=NOW) is None
    assert cache.caller(mine.session_id, uuid.uuid4(), now=NOW) is None  # another user's token
    clock[0] = 30.0
    assert cache.caller(mine.session_id, mine.user_id, now=NOW) is None


async def test_consents_are_kept_only_with_a_cached_caller_and_forgotten_with_them() -> None:
    cache = SessionCache(30)
    cache.trust()
    caller = _caller()
    loads: list[int] = []

    async def load() -> dict[str, tuple[bool, datetime]]:
        loads.append(1)
        return {"marketing": (True, NOW)}

    async def read() -> None:
        assert await cache.consents_or_load(caller.user_id, load=load) == {"marketing": (True, NOW)}

    await read()  # no cached caller: loaded, not kept
    cache.store(caller, generation=cache.generation)
    await read()
    await read()  # kept
    assert len(loads) == 2
    cache.forget_user(caller.user_id)
    await read()
    assert len(loads) == 3
