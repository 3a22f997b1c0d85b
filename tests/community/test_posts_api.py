"""Writing, reading and deleting posts over HTTP: the filter's three outcomes, bad input,
labels, the feed and its filters, visibility, deletion rights, holds, rates and points."""

import uuid
from datetime import timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.community.helpers import community, member, published_post, write
from tests.factories import UserFactory
from tests.helpers import points_of

__all__ = ["community"]  # fixtures used by name
pytestmark = pytest.mark.usefixtures("community")


async def test_a_plain_post_is_published_and_pays_its_author_once(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    mei = await member(user_factory)
    answer = await write(
        client, mei, "  学会了设置止损 stop-loss，亏损控制在 8% 以内  ", tags=["Risk"]
    )
    assert answer.status_code == 201, answer.text
    post = answer.json()
    assert post["status"] == "published"
    assert post["body"] == "学会了设置止损 stop-loss，亏损控制在 8% 以内"
    assert post["tags"] == ["risk"]
    assert post["labels"] == []
    assert post["author"] == {"display_name": mei.email.partition("@")[0]}
    assert post["matched_rules"] == []
    assert (post["like_count"], post["comment_count"], post["liked_by_me"]) == (0, 0, False)
    assert post["created_at"] == "2026-03-02T01:30:00.000Z"
    assert await points_of(sessionmaker, clock, mei.id) == 5


async def test_a_held_post_is_pending_and_names_its_rules_to_its_author_only(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    tipster, other = await member(user_factory), await member(user_factory)
    answer = await write(client, tipster, "跟着我稳 赚，内幕消息明天涨停板预定")
    assert answer.status_code == 201
    post = answer.json()
    assert post["status"] == "pending"
    assert post["matched_rules"] == ["stock-tip-solicitation"]
    assert await points_of(sessionmaker, clock, tipster.id) == 0  # only once published
    mine = await client.get(f"/v1/posts/{post['id']}", headers=tipster.headers)
    assert mine.json()["status"] == "pending"
    assert (await client.get(f"/v1/posts/{post['id']}", headers=other.headers)).status_code == 404
    feed = (await client.get("/v1/posts", headers=tipster.headers)).json()
    assert [item["id"] for item in feed["items"]] == [post["id"]]  # the author's own, pending
    assert (await client.get("/v1/posts", headers=other.headers)).json()["items"] == []


async def test_a_blocked_post_is_422_with_the_rules_message_and_writes_nothing(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    mei = await member(user_factory)
    answer = await write(
        client, mei, "有问题加我ＷＸ：stock_mei88", headers={"Accept-Language": "en"}
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"].endswith("content-blocked"), str(problem)
    assert problem["rule_id"] == "contact-wechat-qq"
    assert "WeChat" in problem["detail"]
    zh = await client.post(
        "/v1/posts", json={"body": "我的电话 一三八 零零一三 八零零零"}, headers=mei.headers
    )
    assert zh.status_code == 422
    assert zh.json()["detail"] == "为保护您的安全，社区内不能留下电话号码。"
    assert (await client.get("/v1/posts", headers=mei.headers)).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("", "body"),
        ("   \n ", "body"),
        ("x" * 2001, "body"),
        ("bell\x07", "body"),
        ("right\u202eto left", "body"),
    ],
)
async def test_bad_bodies_are_422_naming_the_body(
    client: AsyncClient, user_factory: UserFactory, body: str, field: str
) -> None:
    mei = await member(user_factory)
    answer = await write(client, mei, body)
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == [field]


async def test_bad_tags_and_unknown_symbols_are_422_each_named(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    mei = await member(user_factory)
    answer = await write(
        client, mei, "ok", tags=["fine", "no spaces"], symbols=["999999.SH", "AAPL"]
    )
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"tags[1]", "symbols[0]", "symbols[1]"}


async def test_html_is_kept_as_plain_text(client: AsyncClient, user_factory: UserFactory) -> None:
    mei = await member(user_factory)
    answer = await write(client, mei, "<script>alert(1)</script> <b>bold</b>")
    assert answer.status_code == 201
    assert answer.json()["body"] == "<script>alert(1)</script> <b>bold</b>"
    assert answer.headers["content-type"] == "application/json"


async def test_a_post_naming_a_security_is_labelled_not_investment_advice(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    mei = await member(user_factory)
    by_field = await write(client, mei, "在看这只", symbols=["600519.sh"])
    assert by_field.json()["symbols"] == ["600519.SH"]
    assert by_field.json()["labels"] == [
        {"id": "not_investment_advice", "text": "个人观点，不构成投资建议"}
    ]
    in_text = await client.post(
        "/v1/posts",
        json={"body": "Reading the 600519.SH annual report, then using leverage? No."},
        headers={**mei.headers, "Accept-Language": "en"},
    )
    assert [label["id"] for label in in_text.json()["labels"]] == [
        "leverage-reminder",
        "not_investment_advice",
    ]
    assert in_text.json()["labels"][1]["text"] == "Personal opinion, not investment advice"


async def test_the_feed_pages_newest_first_and_filters_by_tag_and_symbol(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    mei, reader = await member(user_factory), await member(user_factory)
    ids = []
    for n in range(5):
        clock.advance(timedelta(seconds=1))
        tags = ["etf"] if n % 2 else []
        answer = await write(
            client, mei, f"post {n}", tags=tags, symbols=["510300.SH"] if n == 4 else []
        )
        ids.append(answer.json()["id"])
    first = (await client.get("/v1/posts?limit=2", headers=reader.headers)).json()
    assert [item["id"] for item in first["items"]] == [ids[4], ids[3]]
    second = await client.get(
        f"/v1/posts?limit=2&cursor={first['next_cursor']}", headers=reader.headers
    )
    third = await client.get(
        f"/v1/posts?limit=2&cursor={second.json()['next_cursor']}", headers=reader.headers
    )
    assert [item["id"] for item in second.json()["items"]] == [ids[2], ids[1]]
    assert [item["id"] for item in third.json()["items"]] == [ids[0]]
    assert third.json()["next_cursor"] is None
    by_tag = (await client.get("/v1/posts?tag=ETF", headers=reader.headers)).json()
    assert [item["id"] for item in by_tag["items"]] == [ids[3], ids[1]]
    by_tag_page = await client.get("/v1/posts?tag=etf&limit=1", headers=reader.headers)
    next_tag = await client.get(
        f"/v1/posts?tag=etf&limit=1&cursor={by_tag_page.json()['next_cursor']}",
        headers=reader.headers,
    )
    assert [item["id"] for item in next_tag.json()["items"]] == [ids[1]]
    by_symbol = (await client.get("/v1/posts?symbol=510300.SH", headers=reader.headers)).json()
    assert [item["id"] for item in by_symbol["items"]] == [ids[4]]
    both = await client.get("/v1/posts?symbol=510300.SH&tag=etf", headers=reader.headers)
    assert both.status_code == 422
    assert (await client.get("/v1/posts?symbol=AAPL", headers=reader.headers)).status_code == 422


async def test_deletion_author_204_others_404_moderator_204_audited(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    author, stranger = await member(user_factory), await member(user_factory)
    moderator = await user_factory(roles=["moderator"], created_days_ago=30)
    own = await published_post(client, author)
    assert (await client.delete(f"/v1/posts/{own}", headers=stranger.headers)).status_code == 404
    assert (await client.delete(f"/v1/posts/{own}", headers=author.headers)).status_code == 204
    assert (await client.delete(f"/v1/posts/{own}", headers=author.headers)).status_code == 404
    assert (await client.get(f"/v1/posts/{own}", headers=author.headers)).status_code == 404
    other = await published_post(client, author)
    assert (await client.delete(f"/v1/posts/{other}", headers=moderator.headers)).status_code == 204
    assert (await client.get(f"/v1/posts/{other}", headers=moderator.headers)).json()[
        "status"
    ] == "removed"
    admin = await user_factory(roles=["admin"])
    log = (await client.get("/v1/admin/audit-log", headers=admin.headers)).json()["items"]
    assert [(e["action"], e["object_id"]) for e in log] == [("community.post.removed", other)]
    missing = uuid.uuid4()
    assert (
        await client.delete(f"/v1/posts/{missing}", headers=moderator.headers)
    ).status_code == 404


async def test_a_new_accounts_posts_wait_for_a_moderator(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    newcomer = await user_factory()  # created just now: within COMMUNITY_NEW_ACCOUNT_HOLD_HOURS
    answer = await write(client, newcomer, "大家好，第一次发帖")
    assert answer.json()["status"] == "pending"
    assert answer.json()["matched_rules"] == ["new_account_hold"]


async def test_posts_over_the_hourly_rate_are_429_with_retry_after(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    mei = await member(user_factory)
    for n in range(5):  # COMMUNITY_POSTS_PER_HOUR
        assert (await write(client, mei, f"note {n}")).status_code == 201
        clock.advance(timedelta(minutes=2))
    refused = await write(client, mei, "one too many")
    assert refused.status_code == 429
    assert refused.json()["type"].endswith("rate-limited")
    assert refused.headers["retry-after"] == str(50 * 60 + 1)  # the hour began 10 minutes ago


async def test_an_idempotency_key_replays_the_first_post(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    mei = await member(user_factory)
    headers = {**mei.headers, "Idempotency-Key": "post-1"}
    first = await client.post("/v1/posts", json={"body": "一次"}, headers=headers)
    again = await client.post("/v1/posts", json={"body": "一次"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await client.post("/v1/posts", json={"body": "两次"}, headers=headers)
    assert other.status_code == 422
    assert len((await client.get("/v1/posts", headers=mei.headers)).json()["items"]) == 1
