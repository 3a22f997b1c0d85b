"""Comments a page at a time: `GET /v1/posts/{id}/comments` by keyset on (created_at, id),
oldest first, the detail's first page and its `comments_next_cursor`, and who sees what."""

import uuid
from datetime import timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.community.models import CommunityComment
from tests.community.helpers import community, member, published_post
from tests.factories import TestUser, UserFactory

__all__ = ["community"]  # fixtures used by name
pytestmark = pytest.mark.usefixtures("community")


async def _comment_rows(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    post_id: str,
    author: TestUser,
    count: int,
    *,
    status: str = "published",
) -> list[str]:
    """`count` comments, two to each second (so the id breaks ties), oldest first."""
    rows = [
        CommunityComment(
            id=uuid.uuid4(),
            post_id=uuid.UUID(post_id),
            user_id=author.id,
            body=f"#{n}",
            status=status,
            created_at=clock.now() + timedelta(seconds=n // 2),
        )
        for n in range(count)
    ]
    async with sessionmaker.begin() as db:
        db.add_all(rows)
    rows.sort(key=lambda row: (row.created_at, row.id))
    return [str(row.id) for row in rows]


async def _all_pages(client: AsyncClient, user: TestUser, post_id: str, limit: int) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        answer = await client.get(
            f"/v1/posts/{post_id}/comments", params=params, headers=user.headers
        )
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= limit
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def test_comments_come_a_page_at_a_time_oldest_first_each_once(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    author, reader = await member(user_factory), await member(user_factory)
    post_id = await published_post(client, author)
    ids = await _comment_rows(sessionmaker, clock, post_id, author, 45)
    assert await _all_pages(client, reader, post_id, 7) == ids
    assert await _all_pages(client, reader, post_id, 100) == ids
    detail = (await client.get(f"/v1/posts/{post_id}", headers=reader.headers)).json()
    assert [c["id"] for c in detail["comments"]] == ids[:20]
    rest = await client.get(
        f"/v1/posts/{post_id}/comments",
        params={"cursor": detail["comments_next_cursor"], "limit": 100},
        headers=reader.headers,
    )
    assert [c["id"] for c in rest.json()["items"]] == ids[20:]
    assert rest.json()["next_cursor"] is None


async def test_a_short_thread_has_no_next_cursor_and_hidden_ones_show_to_their_author_only(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    author, commenter, reader = [await member(user_factory) for _ in range(3)]
    post_id = await published_post(client, author)
    shown = await _comment_rows(sessionmaker, clock, post_id, author, 3)
    held = await _comment_rows(sessionmaker, clock, post_id, commenter, 2, status="pending")
    detail = (await client.get(f"/v1/posts/{post_id}", headers=reader.headers)).json()
    assert [c["id"] for c in detail["comments"]] == shown
    assert detail["comments_next_cursor"] is None
    assert await _all_pages(client, reader, post_id, 2) == shown
    assert set(await _all_pages(client, commenter, post_id, 2)) == set(shown + held)


async def test_comments_of_a_post_one_may_not_see_and_bad_pages_are_refused(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    author, reader = await member(user_factory), await member(user_factory)
    post_id = await published_post(client, author)
    assert (await client.delete(f"/v1/posts/{post_id}", headers=author.headers)).status_code == 204
    gone = await client.get(f"/v1/posts/{post_id}/comments", headers=reader.headers)
    assert gone.status_code == 404
    missing = await client.get(f"/v1/posts/{uuid.uuid4()}/comments", headers=reader.headers)
    assert missing.status_code == 404
    other = await published_post(client, author)
    url = f"/v1/posts/{other}/comments"
    bad_cursor = await client.get(url, params={"cursor": "nonsense"}, headers=reader.headers)
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["errors"][0]["field"] == "cursor"
    too_many = await client.get(url, params={"limit": 101}, headers=reader.headers)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "limit"
