"""Community writes racing, committed for real: 100 members liking one post at once, ten
members reporting one post at once, one author posting past the hourly rate at once."""

import asyncio

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.community.helpers import community, member, published_post, write
from tests.factories import UserFactory

__all__ = ["community"]  # fixtures used by name
pytestmark = [pytest.mark.committing, pytest.mark.usefixtures("community")]


async def scalar(
    sessionmaker: async_sessionmaker[AsyncSession], sql: str, **params: object
) -> object:
    async with sessionmaker() as db:
        return await db.scalar(sa.text(sql), params)


async def test_a_hundred_members_liking_at_once_count_a_hundred(
    client: AsyncClient, user_factory: UserFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    author = await member(user_factory)
    fans = [await member(user_factory) for _ in range(100)]
    post_id = await published_post(client, author)
    url = f"/v1/posts/{post_id}/reactions"
    likes = [client.post(url, json={"kind": "like"}, headers=fan.headers) for fan in fans]
    twice = [client.post(url, json={"kind": "like"}, headers=fan.headers) for fan in fans[:20]]
    answers = await asyncio.gather(*likes, *twice)
    assert {answer.status_code for answer in answers} == {200}
    assert max(answer.json()["like_count"] for answer in answers) == 100
    count = "SELECT like_count FROM community_post WHERE id = :post"
    rows = "SELECT count(*) FROM community_reaction WHERE post_id = :post"
    assert await scalar(sessionmaker, count, post=post_id) == 100
    assert await scalar(sessionmaker, rows, post=post_id) == 100
    undo = [client.delete(f"{url}/like", headers=fan.headers) for fan in fans[:40]]
    assert {answer.status_code for answer in await asyncio.gather(*undo)} == {200}
    assert await scalar(sessionmaker, count, post=post_id) == 60


async def test_ten_members_reporting_at_once_hide_the_post_and_count_ten(
    client: AsyncClient, user_factory: UserFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    author = await member(user_factory)
    reporters = [await member(user_factory) for _ in range(10)]
    post_id = await published_post(client, author)
    url = f"/v1/posts/{post_id}/reports"
    answers = await asyncio.gather(
        *(client.post(url, json={"reason": "scam"}, headers=r.headers) for r in reporters),
        *(client.post(url, json={"reason": "spam"}, headers=r.headers) for r in reporters[:5]),
    )
    assert sorted(answer.status_code for answer in answers) == [202] * 10 + [409] * 5
    post = "SELECT status || ':' || open_reports FROM community_post WHERE id = :post"
    assert await scalar(sessionmaker, post, post=post_id) == "hidden:10"


async def test_one_author_posting_at_once_gets_exactly_the_hourly_rate(
    client: AsyncClient, user_factory: UserFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    author = await member(user_factory)
    answers = await asyncio.gather(*(write(client, author, f"note {n}") for n in range(12)))
    assert sorted(answer.status_code for answer in answers) == [201] * 5 + [429] * 7
    posts = "SELECT count(*) FROM community_post WHERE user_id = :user"
    assert await scalar(sessionmaker, posts, user=author.id) == 5
