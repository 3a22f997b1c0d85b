"""Idempotency-Key: one effect per (caller, route, key), the first answer replayed."""

import asyncio
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from litestar import Litestar, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.audit import AuditLog, record_audit
from api.idempotency import IdempotencyKeyHeader, run_idempotent
from core.clock import Clock
from core.errors import DomainError


class Transfer(msgspec.Struct):
    amount: int


class NotEnough(DomainError):
    code = "insufficient-points"


@post("/test/transfers", exclude_from_auth=True)
async def create_transfer(
    db: NamedDependency[AsyncSession],
    request: Request[Any, Any, Any],
    clock: NamedDependency[Clock],
    data: JSONBody[Transfer],
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response[Any]:
    """The effect is an audit row: counting rows counts effects."""

    async def effect() -> tuple[int, Any]:
        if data.amount > 100:
            raise NotEnough(points=data.amount)
        entry = await record_audit(
            db,
            clock,
            actor_kind="user",
            actor_id=None,
            action="test.transfer",
            object_type="transfer",
            object_id=str(data.amount),
        )
        await db.flush()
        return 201, {"transfer_id": str(entry.id), "amount": data.amount}

    return await run_idempotent(
        db, request, clock, caller="user:tester", key=idempotency_key, body=data, effect=effect
    )


async def effects(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as db:
        count = await db.scalar(
            sa.select(sa.func.count()).where(col(AuditLog.action) == "test.transfer")
        )
    return int(count or 0)


@pytest.fixture
def app(own_app: Litestar) -> Litestar:
    own_app.register(create_transfer)
    return own_app


async def test_five_replays_make_one_effect_and_equal_answers(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    headers = {"Idempotency-Key": "k-1"}
    responses = [
        await client.post("/test/transfers", json={"amount": 7}, headers=headers) for _ in range(5)
    ]
    assert {r.status_code for r in responses} == {201}
    assert len({r.text for r in responses}) == 1
    assert [r.headers.get("idempotent-replayed") for r in responses[1:]] == ["true"] * 4
    assert await effects(sessionmaker) == 1


async def test_same_key_with_another_body_is_422(client: AsyncClient) -> None:
    headers = {"Idempotency-Key": "k-2"}
    assert (await client.post("/test/transfers", json={"amount": 1}, headers=headers)).is_success
    reused = await client.post("/test/transfers", json={"amount": 2}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["type"].endswith("/idempotency-key-reused")


async def test_missing_key_is_422(client: AsyncClient) -> None:
    response = await client.post("/test/transfers", json={"amount": 1})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_refusal_is_replayed_with_the_same_answer(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    headers = {"Idempotency-Key": "k-3"}
    first = await client.post("/test/transfers", json={"amount": 500}, headers=headers)
    again = await client.post("/test/transfers", json={"amount": 500}, headers=headers)
    assert first.status_code == again.status_code == 409
    assert first.json() == again.json()
    assert await effects(sessionmaker) == 0


async def test_keys_are_scoped_to_the_route(client: AsyncClient) -> None:
    headers = {"Idempotency-Key": "shared"}
    assert (await client.post("/test/transfers", json={"amount": 1}, headers=headers)).is_success
    # The same key on another route is a different operation, not a replay.
    other = await client.post("/health/live", headers=headers)
    assert other.status_code == 405


@pytest.mark.committing
async def test_twenty_concurrent_requests_with_one_key_make_one_effect(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    headers = {"Idempotency-Key": "race"}
    responses = await asyncio.gather(
        *(client.post("/test/transfers", json={"amount": 9}, headers=headers) for _ in range(20))
    )
    assert {r.status_code for r in responses} <= {201, 409}
    assert len({r.text for r in responses if r.status_code == 201}) == 1
    assert await effects(sessionmaker) == 1
