"""POST /v1/admin/ledger/adjustments: admin only, reasoned, audited, once per key."""

import uuid
from typing import Any

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.audit import AuditLog
from tests import factories
from tests.factories import UserFactory

PATH = "/v1/admin/ledger/adjustments"


async def adjust(
    client: AsyncClient, admin: factories.TestUser, body: dict[str, Any], key: str | None = None
) -> Any:
    headers = {**admin.headers, "Idempotency-Key": key or str(uuid.uuid4())}
    return await client.post(PATH, json=body, headers=headers)


async def wallet_points(client: AsyncClient, user: factories.TestUser) -> int:
    points: int = (await client.get("/v1/me/wallet", headers=user.headers)).json()["points"]
    return points


async def test_an_admin_credits_and_debits_with_a_reason_and_it_is_audited(
    client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    admin, learner = await user_factory(roles=["admin"]), await user_factory()
    credit = await adjust(
        client, admin, {"user_id": str(learner.id), "amount": 120, "reason": "Goodwill"}
    )
    assert credit.status_code == 201, credit.text
    body = credit.json()
    assert {k: body[k] for k in ("user_id", "amount", "kind", "reason", "balance_after")} == {
        "user_id": str(learner.id),
        "amount": 120,
        "kind": "adjust",
        "reason": "Goodwill",
        "balance_after": 120,
    }
    debit = await adjust(
        client, admin, {"user_id": str(learner.id), "amount": -20, "reason": "Typo"}
    )
    assert debit.status_code == 201
    assert (debit.json()["amount"], debit.json()["balance_after"]) == (-20, 100)
    assert await wallet_points(client, learner) == 100
    ledger = (
        await client.get("/v1/me/ledger", headers={**learner.headers, "Accept-Language": "en"})
    ).json()
    assert [(i["amount"], i["kind"], i["reason"]) for i in ledger["items"]] == [
        (-20, "adjust", "Adjusted by InvestQuest support"),
        (120, "adjust", "Adjusted by InvestQuest support"),
    ]
    audited = (
        await db.scalars(sa.select(AuditLog).where(col(AuditLog.action) == "ledger.adjust"))
    ).all()
    assert sorted(entry.summary["amount"] for entry in audited) == [-20, 120]
    assert {entry.actor_id for entry in audited} == {admin.id}
    assert {entry.object_id for entry in audited} == {body["id"], debit.json()["id"]}


async def test_a_debit_larger_than_the_balance_is_409_insufficient_points(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin, learner = await user_factory(roles=["admin"]), await user_factory()
    await adjust(client, admin, {"user_id": str(learner.id), "amount": 50, "reason": "Start"})
    response = await adjust(
        client, admin, {"user_id": str(learner.id), "amount": -51, "reason": "Too much"}
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/insufficient-points")
    assert await wallet_points(client, learner) == 50


async def test_an_adjustment_without_a_real_reason_or_amount_is_422(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin, learner = await user_factory(roles=["admin"]), await user_factory()
    user_id = str(learner.id)
    for body, field in [
        ({"user_id": user_id, "amount": 5}, "reason"),
        ({"user_id": user_id, "amount": 5, "reason": "   "}, "reason"),
        ({"user_id": user_id, "amount": 5, "reason": "x" * 501}, "reason"),
        ({"user_id": user_id, "amount": 0, "reason": "Nothing"}, "amount"),
    ]:
        response = await adjust(client, admin, body)
        assert response.status_code == 422, body
        assert field in str(response.json()["errors"]), response.json()
    assert await wallet_points(client, learner) == 0


async def test_only_admins_adjust_and_only_known_users(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin, learner = await user_factory(roles=["admin"]), await user_factory()
    body = {"user_id": str(learner.id), "amount": 5, "reason": "Mine"}
    assert (await adjust(client, learner, body)).status_code == 403
    assert (await adjust(client, await user_factory(roles=["marketer"]), body)).status_code == 403
    assert (await client.post(PATH, json=body)).status_code == 401
    unknown = await adjust(client, admin, {**body, "user_id": str(uuid.uuid4())})
    assert unknown.status_code == 404
    assert await wallet_points(client, learner) == 0


async def test_replaying_the_key_replays_the_answer_and_moves_points_once(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin, learner = await user_factory(roles=["admin"]), await user_factory()
    body = {"user_id": str(learner.id), "amount": 30, "reason": "Once"}
    first = await adjust(client, admin, body, key="adj-1")
    again = await adjust(client, admin, body, key="adj-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await wallet_points(client, learner) == 30
    other_body = await adjust(client, admin, {**body, "amount": 31}, key="adj-1")
    assert other_body.status_code == 422
    missing_key = await client.post(PATH, json=body, headers=admin.headers)
    assert missing_key.status_code == 422


async def test_an_admin_reverses_a_transaction_once_and_it_is_audited(
    client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    admin, learner = await user_factory(roles=["admin"]), await user_factory()
    credit = await adjust(
        client, admin, {"user_id": str(learner.id), "amount": 50, "reason": "Oops"}
    )
    path = f"/v1/admin/ledger/transactions/{credit.json()['id']}/reversal"
    reversed_ = await client.post(
        path, json={"reason": "Credited the wrong learner"}, headers=admin.headers
    )
    assert reversed_.status_code == 201, reversed_.text
    assert reversed_.json()["balances"] == {"points": 0}
    assert await wallet_points(client, learner) == 0
    again = await client.post(path, json={"reason": "twice"}, headers=admin.headers)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/already-reversed")
    missing = await client.post(
        f"/v1/admin/ledger/transactions/{uuid.uuid4()}/reversal",
        json={"reason": "x"},
        headers=admin.headers,
    )
    assert missing.status_code == 404
    learner_try = await client.post(path, json={"reason": "x"}, headers=learner.headers)
    assert learner_try.status_code == 403
    audited = await db.scalar(
        sa.select(sa.func.count()).where(col(AuditLog.action) == "ledger.reverse")
    )
    assert audited == 1
