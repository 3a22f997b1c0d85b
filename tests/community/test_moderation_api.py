"""Reports, the moderation queue and decisions, comments, and what reporters see: the
moderation state machine over HTTP."""

import uuid
from datetime import timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.community.helpers import community, member, published_post, write
from tests.factories import TestUser, UserFactory
from tests.helpers import points_of

__all__ = ["community"]  # fixtures used by name
pytestmark = pytest.mark.usefixtures("community")


@pytest.fixture
async def moderator(user_factory: UserFactory) -> TestUser:
    return await user_factory(roles=["moderator"], created_days_ago=30)


async def report(
    client: AsyncClient, user: TestUser, post_id: str, reason: str = "stock_tip"
) -> int:
    answer = await client.post(
        f"/v1/posts/{post_id}/reports",
        json={"reason": reason, "detail": "看着像荐股"},
        headers=user.headers,
    )
    return answer.status_code


async def decide(
    client: AsyncClient, moderator: TestUser, post_id: str, action: str, kind: str = "posts"
) -> dict[str, str]:
    answer = await client.post(
        f"/v1/admin/{kind}/{post_id}/decision",
        json={"action": action, "reason": "checked against the community standards"},
        headers=moderator.headers,
    )
    assert answer.status_code == 200, answer.text
    decided: dict[str, str] = answer.json()
    return decided


async def test_reports_refuse_ones_own_a_missing_post_and_a_second_report(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    author, reader = await member(user_factory), await member(user_factory)
    post_id = await published_post(client, author)
    assert await report(client, author, post_id) == 422
    assert await report(client, reader, str(uuid.uuid4())) == 404
    assert await report(client, reader, post_id) == 202
    assert await report(client, reader, post_id) == 409
    bad = await client.post(
        f"/v1/posts/{post_id}/reports", json={"reason": "ugly"}, headers=reader.headers
    )
    assert bad.status_code == 422
    mine = (await client.get("/v1/me/reports", headers=reader.headers)).json()["items"]
    assert [(r["post_id"], r["reason"], r["outcome"]) for r in mine] == [
        (post_id, "stock_tip", "pending")
    ]


async def test_the_third_distinct_reporter_hides_the_post_until_a_moderator_decides(
    client: AsyncClient, user_factory: UserFactory, moderator: TestUser, clock: FrozenClock
) -> None:
    author = await member(user_factory)
    reporters = [await member(user_factory) for _ in range(3)]
    post_id = await published_post(client, author)
    for n, reporter in enumerate(reporters):
        assert await report(client, reporter, post_id, reason="scam" if n else "spam") == 202
        status = (await client.get(f"/v1/posts/{post_id}", headers=author.headers)).json()["status"]
        assert status == ("hidden" if n == 2 else "published")
    assert (
        await client.get(f"/v1/posts/{post_id}", headers=reporters[0].headers)
    ).status_code == 404
    queue = (await client.get("/v1/admin/moderation/queue", headers=moderator.headers)).json()
    [item] = queue["items"]
    assert (item["kind"], item["id"], item["report_count"]) == ("post", post_id, 3)
    assert item["report_reasons"] == {"spam": 1, "scam": 2}
    clock.advance(timedelta(minutes=5))
    assert await decide(client, moderator, post_id, "approve") == {
        "id": post_id,
        "kind": "post",
        "previous_status": "hidden",
        "status": "published",
    }
    assert (await client.get("/v1/admin/moderation/queue", headers=moderator.headers)).json()[
        "items"
    ] == []
    outcomes = (await client.get("/v1/me/reports", headers=reporters[1].headers)).json()["items"]
    assert [(r["outcome"], r["decided_at"]) for r in outcomes] == [
        ("approved", "2026-03-02T01:35:00.000Z")
    ]


async def test_a_held_post_is_queued_and_its_approval_publishes_it_and_pays_once(
    client: AsyncClient,
    user_factory: UserFactory,
    moderator: TestUser,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    author, reader = await member(user_factory), await member(user_factory)
    held = (await write(client, author, "这只股票稳赚，跟我买")).json()
    queue = (await client.get("/v1/admin/moderation/queue", headers=moderator.headers)).json()
    assert [(i["id"], i["matched_rules"], i["status"]) for i in queue["items"]] == [
        (held["id"], ["stock-tip-solicitation"], "pending")
    ]
    assert (await client.get(f"/v1/posts/{held['id']}", headers=moderator.headers)).json()[
        "matched_rules"
    ] == ["stock-tip-solicitation"]
    await decide(client, moderator, held["id"], "approve")
    assert await points_of(sessionmaker, clock, author.id) == 5
    feed = (await client.get("/v1/posts", headers=reader.headers)).json()["items"]
    assert [(p["id"], p["matched_rules"]) for p in feed] == [(held["id"], None)]
    await decide(client, moderator, held["id"], "hide")
    await decide(client, moderator, held["id"], "approve")
    assert await points_of(sessionmaker, clock, author.id) == 5  # published once, paid once


async def test_removed_is_final_and_every_decision_is_audited(
    client: AsyncClient, user_factory: UserFactory, moderator: TestUser
) -> None:
    author = await member(user_factory)
    post_id = await published_post(client, author)
    assert (await decide(client, moderator, post_id, "remove"))["status"] == "removed"
    again = await client.post(
        f"/v1/admin/posts/{post_id}/decision",
        json={"action": "approve", "reason": "appeal"},
        headers=moderator.headers,
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("moderation-closed")
    no_reason = await client.post(
        f"/v1/admin/posts/{post_id}/decision",
        json={"action": "hide", "reason": ""},
        headers=moderator.headers,
    )
    assert no_reason.status_code == 422
    missing = await client.post(
        f"/v1/admin/posts/{uuid.uuid4()}/decision",
        json={"action": "hide", "reason": "x"},
        headers=moderator.headers,
    )
    assert missing.status_code == 404
    admin = await user_factory(roles=["admin"])
    log = (await client.get("/v1/admin/audit-log", headers=admin.headers)).json()["items"]
    assert [(e["action"], e["object_id"], e["summary"]["to"]) for e in log] == [
        ("community.post.remove", post_id, "removed")
    ]


async def test_learners_may_not_moderate(client: AsyncClient, user_factory: UserFactory) -> None:
    learner = await member(user_factory)
    assert (
        await client.get("/v1/admin/moderation/queue", headers=learner.headers)
    ).status_code == 403
    post_id = await published_post(client, learner)
    refused = await client.post(
        f"/v1/admin/posts/{post_id}/decision",
        json={"action": "hide", "reason": "x"},
        headers=learner.headers,
    )
    assert refused.status_code == 403


async def test_comments_are_screened_counted_and_moderated(
    client: AsyncClient, user_factory: UserFactory, moderator: TestUser
) -> None:
    author, commenter, reader = [await member(user_factory) for _ in range(3)]
    post_id = await published_post(client, author)
    url = f"/v1/posts/{post_id}/comments"
    plain = await client.post(url, json={"body": "止损线设在哪里？"}, headers=commenter.headers)
    assert plain.status_code == 201
    assert plain.json()["status"] == "published"
    held = await client.post(url, json={"body": "私聊我，带你赚"}, headers=commenter.headers)
    assert held.json()["status"] == "pending"
    blocked = await client.post(url, json={"body": "电话 13800138000"}, headers=commenter.headers)
    assert blocked.status_code == 422
    assert (await client.post(url, json={"body": ""}, headers=commenter.headers)).status_code == 422
    assert (
        await client.post(url, json={"body": "x" * 501}, headers=commenter.headers)
    ).status_code == 422
    missing = await client.post(
        f"/v1/posts/{uuid.uuid4()}/comments", json={"body": "hi"}, headers=commenter.headers
    )
    assert missing.status_code == 404
    seen = (await client.get(f"/v1/posts/{post_id}", headers=reader.headers)).json()
    assert (seen["comment_count"], [c["body"] for c in seen["comments"]]) == (
        1,
        ["止损线设在哪里？"],
    )
    own = (await client.get(f"/v1/posts/{post_id}", headers=commenter.headers)).json()["comments"]
    assert [c["status"] for c in own] == ["published", "pending"]
    await decide(client, moderator, held.json()["id"], "approve", kind="comments")
    seen = (await client.get(f"/v1/posts/{post_id}", headers=reader.headers)).json()
    assert seen["comment_count"] == 2
    await decide(client, moderator, plain.json()["id"], "remove", kind="comments")
    assert (await client.get(f"/v1/posts/{post_id}", headers=reader.headers)).json()[
        "comment_count"
    ] == 1


async def test_comments_over_the_minute_rate_are_429(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    author = await member(user_factory)
    post_id = await published_post(client, author)
    for n in range(5):  # COMMUNITY_COMMENTS_PER_MINUTE
        answer = await client.post(
            f"/v1/posts/{post_id}/comments", json={"body": f"#{n}"}, headers=author.headers
        )
        assert answer.status_code == 201
    refused = await client.post(
        f"/v1/posts/{post_id}/comments", json={"body": "more"}, headers=author.headers
    )
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "61"


async def test_likes_count_once_per_member_and_can_be_taken_back(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    author, fan = await member(user_factory), await member(user_factory)
    post_id = await published_post(client, author)
    url = f"/v1/posts/{post_id}/reactions"
    for _ in range(2):
        answer = await client.post(url, json={"kind": "like"}, headers=fan.headers)
        assert answer.json() == {"like_count": 1, "liked_by_me": True}
    assert (await client.post(url, json={"kind": "love"}, headers=fan.headers)).status_code == 422
    feed = (await client.get("/v1/posts", headers=fan.headers)).json()["items"]
    assert (feed[0]["like_count"], feed[0]["liked_by_me"]) == (1, True)
    undone = await client.delete(f"{url}/like", headers=fan.headers)
    assert undone.json() == {"like_count": 0, "liked_by_me": False}
    assert (await client.delete(f"{url}/like", headers=fan.headers)).json()["like_count"] == 0
    missing = await client.post(
        f"/v1/posts/{uuid.uuid4()}/reactions", json={"kind": "like"}, headers=fan.headers
    )
    assert missing.status_code == 404
