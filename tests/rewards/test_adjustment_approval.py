"""Separation of duties on adjustments: never one's own points, and a second admin for large ones.

The approval threshold is the default `ADJUSTMENT_APPROVAL_POINTS`, 10,000 points.
"""

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.audit import AuditLog
from gamification.ledger.models import LedgerTransaction
from gamification.ledger.reconcile import check_ledger
from tests import factories
from tests.factories import UserFactory
from tests.rewards.test_adjustments import PATH, adjust, wallet_points

LARGE = 10_001


def approval(adjustment_id: str) -> str:
    return f"{PATH}/{adjustment_id}/approval"


def rejection(adjustment_id: str) -> str:
    return f"{PATH}/{adjustment_id}/rejection"


def problem(response: object) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[-1]  # type: ignore[attr-defined]


async def request_large(
    client: AsyncClient, admin: factories.TestUser, learner: factories.TestUser
) -> str:
    response = await adjust(
        client, admin, {"user_id": str(learner.id), "amount": LARGE, "reason": "Migration fix"}
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    adjustment_id: str = response.json()["id"]
    return adjustment_id


async def test_an_admin_adjusting_their_own_points_is_403(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin = await user_factory(roles=["admin"])
    for amount in (500, LARGE):
        response = await adjust(
            client, admin, {"user_id": str(admin.id), "amount": amount, "reason": "Me"}
        )
        assert response.status_code == 403, response.text
        assert problem(response) == "self-adjustment-forbidden"
    assert await wallet_points(client, admin) == 0


async def test_up_to_the_threshold_posts_at_once_and_above_it_waits(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin, learner = await user_factory(roles=["admin"]), await user_factory()
    at_threshold = await adjust(
        client, admin, {"user_id": str(learner.id), "amount": 10_000, "reason": "Large"}
    )
    assert at_threshold.status_code == 201
    assert at_threshold.json()["status"] == "posted"
    pending = await adjust(
        client, admin, {"user_id": str(learner.id), "amount": -LARGE, "reason": "Too large"}
    )
    assert pending.status_code == 202
    assert {k: pending.json()[k] for k in ("amount", "status", "requested_by")} == {
        "amount": -LARGE,
        "status": "pending",
        "requested_by": str(admin.id),
    }
    assert await wallet_points(client, learner) == 10_000


async def test_a_second_admin_approves_and_it_posts_once_like_a_direct_adjustment(
    client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    requester, approver = await user_factory(roles=["admin"]), await user_factory(roles=["admin"])
    learner = await user_factory()
    adjustment_id = await request_large(client, requester, learner)
    own = await client.post(approval(adjustment_id), headers=requester.headers)
    assert own.status_code == 403
    assert problem(own) == "approver-is-requester"
    assert await wallet_points(client, learner) == 0

    approved = await client.post(approval(adjustment_id), headers=approver.headers)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["decided_by"]) == ("posted", str(approver.id))
    assert await wallet_points(client, learner) == LARGE
    posted = await db.get(LedgerTransaction, uuid.UUID(body["transaction_id"]))
    assert posted is not None
    assert (posted.kind, posted.reference) == ("adjust", f"adjustment:{learner.id}")
    assert posted.reason["by"] == str(requester.id)
    assert posted.reason["approved_by"] == str(approver.id)

    again = await client.post(approval(adjustment_id), headers=approver.headers)
    assert again.status_code == 409
    assert problem(again) == "adjustment-not-pending"
    declined_late = await client.post(
        rejection(adjustment_id), json={"reason": "late"}, headers=approver.headers
    )
    assert declined_late.status_code == 409
    assert await wallet_points(client, learner) == LARGE
    actions = (
        await db.scalars(
            sa.select(col(AuditLog.action)).where(col(AuditLog.actor_id) == approver.id)
        )
    ).all()
    assert actions == ["ledger.adjust.approve"]


async def test_an_admin_declines_a_pending_adjustment_with_a_reason(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    requester, other = await user_factory(roles=["admin"]), await user_factory(roles=["admin"])
    learner = await user_factory()
    adjustment_id = await request_large(client, requester, learner)
    blank = await client.post(rejection(adjustment_id), json={"reason": " "}, headers=other.headers)
    assert blank.status_code == 422
    declined = await client.post(
        rejection(adjustment_id), json={"reason": "No ticket"}, headers=other.headers
    )
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["decision_reason"]) == (
        "rejected",
        "No ticket",
    )
    approve_after = await client.post(approval(adjustment_id), headers=other.headers)
    assert approve_after.status_code == 409
    missing = await client.post(approval(str(uuid.uuid4())), headers=other.headers)
    assert missing.status_code == 404
    assert await wallet_points(client, learner) == 0


async def test_an_admin_cannot_approve_a_credit_to_themselves(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    requester, beneficiary = (
        await user_factory(roles=["admin"]),
        await user_factory(roles=["admin"]),
    )
    adjustment_id = await request_large(client, requester, beneficiary)
    response = await client.post(approval(adjustment_id), headers=beneficiary.headers)
    assert response.status_code == 403
    assert problem(response) == "self-adjustment-forbidden"
    assert await wallet_points(client, beneficiary) == 0


async def test_replaying_a_pending_request_replays_it_and_files_it_once(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin, learner = await user_factory(roles=["admin"]), await user_factory()
    body = {"user_id": str(learner.id), "amount": LARGE, "reason": "Once"}
    first = await adjust(client, admin, body, key="big-1")
    again = await adjust(client, admin, body, key="big-1")
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert again.headers.get("idempotent-replayed") == "true"
    listed = await client.get(PATH, params={"status": "pending"}, headers=admin.headers)
    assert [item["id"] for item in listed.json()["items"]] == [first.json()["id"]]


async def test_the_pending_list_pages_newest_first_and_filters_by_status(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    admin, other = await user_factory(roles=["admin"]), await user_factory(roles=["admin"])
    learner = await user_factory()
    pending = [await request_large(client, admin, learner) for _ in range(3)]
    declined = await request_large(client, admin, learner)
    await client.post(rejection(declined), json={"reason": "dup"}, headers=other.headers)
    await adjust(client, admin, {"user_id": str(learner.id), "amount": 5, "reason": "small"})
    seen, cursor = [], None
    while True:
        params = {"status": "pending", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await client.get(PATH, params=params, headers=other.headers)).json()
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == list(reversed(pending))
    everything = (await client.get(PATH, headers=other.headers)).json()["items"]
    assert [item["status"] for item in everything] == ["posted", "rejected", *["pending"] * 3]
    bad = await client.get(PATH, params={"status": "approved"}, headers=other.headers)
    assert bad.status_code == 422
    learner_view = await client.get(PATH, headers=learner.headers)
    assert learner_view.status_code == 403


@pytest.mark.committing
async def test_two_admins_approving_at_once_post_exactly_once(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    requester = await user_factory(roles=["admin"])
    approvers = [await user_factory(roles=["admin"]) for _ in range(2)]
    learner = await user_factory()
    adjustment_id = await request_large(client, requester, learner)
    responses = await asyncio.gather(
        *(client.post(approval(adjustment_id), headers=a.headers) for a in approvers)
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    async with sessionmaker() as db:
        postings = await db.scalar(
            sa.select(sa.func.count()).where(
                col(LedgerTransaction.reference) == f"adjustment:{learner.id}"
            )
        )
        assert postings == 1
        assert await check_ledger(db) == []
    assert await wallet_points(client, learner) == LARGE
