"""The feed's items are the post as `GET /v1/posts/{id}` shows it (labels in the caller's
locale, `matched_rules` for the author and moderators only, one timestamp format), and its
pages cover every post once, newest first, ties broken by id."""

import pytest
from httpx import AsyncClient

from tests.community.helpers import community, member, write
from tests.factories import UserFactory

__all__ = ["community"]  # fixtures used by name
pytestmark = pytest.mark.usefixtures("community")


async def test_a_feed_item_is_the_post_as_its_detail_shows_it(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    author, reader = await member(user_factory), await member(user_factory)
    moderator = await user_factory(roles=["moderator"], created_days_ago=30)
    written = await write(client, author, "茅台年报读后感", symbols=["600519.SH"], tags=["notes"])
    assert written.status_code == 201, written.text
    post_id = written.json()["id"]
    english = {"Accept-Language": "en"}
    for viewer, rules_shown in ((author, []), (reader, None), (moderator, [])):
        headers = {**viewer.headers, **english}
        item = (await client.get("/v1/posts", headers=headers)).json()["items"][0]
        detail = (await client.get(f"/v1/posts/{post_id}", headers=headers)).json()
        del detail["comments"], detail["comments_next_cursor"]
        assert item == detail
        assert item["matched_rules"] == rules_shown
    assert item["labels"] == [
        {"id": "not_investment_advice", "text": "Personal opinion, not investment advice"}
    ]
    assert item["created_at"] == "2026-03-02T01:30:00.000Z"
    assert item["author"] == {"display_name": author.email.partition("@")[0]}


async def test_pages_cover_every_post_once_newest_first(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    author, reader = await member(user_factory), await member(user_factory)
    ids = []
    for n in range(5):  # the frozen clock: one time for all, the id decides
        answer = await write(client, author, f"第 {n} 条笔记", tags=["etf"])
        ids.append(answer.json()["id"])
    for query in ("", "&tag=etf"):
        seen, cursor = [], None
        while True:
            path = f"/v1/posts?limit=2{query}" + (f"&cursor={cursor}" if cursor else "")
            page = (await client.get(path, headers=reader.headers)).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(ids, reverse=True), query
    both = await client.get("/v1/posts?tag=etf&symbol=600519.SH", headers=reader.headers)
    assert both.status_code == 422
    assert both.json()["errors"][0]["field"] == "symbol"


@pytest.mark.parametrize("name", ["symbol", "tag"])
async def test_a_filter_the_database_cannot_hold_is_a_422_not_a_500(
    client: AsyncClient, user_factory: UserFactory, name: str
) -> None:
    """The feed is read straight through the driver: a NUL in a filter is refused as a value
    PostgreSQL cannot store, like everywhere else."""
    reader = await member(user_factory)
    answer = await client.get("/v1/posts", params={name: "a\x00b"}, headers=reader.headers)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_feed_labels_follow_the_header_else_the_readers_own_locale(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    author = await member(user_factory)
    english_reader = await user_factory(locale="en", created_days_ago=30)
    written = await write(client, author, "茅台年报读后感", symbols=["600519.SH"])
    assert written.status_code == 201, written.text
    chinese = "个人观点，不构成投资建议"
    english = "Personal opinion, not investment advice"
    for reader, header, text in (
        (author, None, chinese),
        (english_reader, None, english),
        (english_reader, "zh-CN", chinese),
        (author, "en-GB,en;q=0.8", english),
    ):
        headers = reader.headers | ({"Accept-Language": header} if header else {})
        item = (await client.get("/v1/posts", headers=headers)).json()["items"][0]
        assert item["labels"] == [{"id": "not_investment_advice", "text": text}], header
