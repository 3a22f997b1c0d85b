"""The inbox: any domain posts with `post_message` (once per reference), learners page
through theirs newest first, see the unread count and mark messages read."""

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.campaigns.inbox import post_message, user_messages
from tests.factories import UserFactory

TITLE = {"zh-CN": "比赛成绩单", "en": "Your report card"}
BODY = {"zh-CN": "看看你的表现。", "en": "See how you did."}


async def test_a_posted_message_is_in_the_inbox_once_with_its_link(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
) -> None:
    learner = await user_factory(locale="en")
    async with sessionmaker.begin() as db:
        first = await post_message(
            db,
            user_id=learner.id,
            reference="report-card:c1",
            title=TITLE,
            body=BODY,
            deep_link="contest:0190a1b2-0000-7000-8000-000000000001",
        )
        again = await post_message(
            db, user_id=learner.id, reference="report-card:c1", title=TITLE, body=BODY
        )
    assert first is not None
    assert again is None
    response = await client.get("/v1/me/inbox", headers=learner.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["unread"] == 1
    assert page["next_cursor"] is None
    (item,) = page["items"]
    assert item["id"] == str(first)
    assert item["title"] == "Your report card"
    assert item["link"] == {"kind": "contest", "id": "0190a1b2-0000-7000-8000-000000000001"}
    assert item["read_at"] is None
    zh = await client.get("/v1/me/inbox", headers={**learner.headers, "Accept-Language": "zh-CN"})
    assert zh.json()["items"][0]["title"] == "比赛成绩单"


async def test_reading_a_message_lowers_the_unread_count_and_keeps_the_first_time(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
) -> None:
    learner = await user_factory()
    async with sessionmaker.begin() as db:
        message_id = await post_message(
            db, user_id=learner.id, reference="hello:1", title=TITLE, body=BODY
        )
    read = await client.post(f"/v1/me/inbox/{message_id}/read", headers=learner.headers)
    assert read.status_code == 200, read.text
    first_read_at = read.json()["read_at"]
    clock.advance(timedelta(minutes=5))
    again = await client.post(f"/v1/me/inbox/{message_id}/read", headers=learner.headers)
    assert again.json()["read_at"] == first_read_at
    page = (await client.get("/v1/me/inbox", headers=learner.headers)).json()
    assert page["unread"] == 0
    assert page["items"][0]["read_at"] == first_read_at


async def test_someone_elses_message_is_404(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
) -> None:
    owner, other = await user_factory(), await user_factory()
    async with sessionmaker.begin() as db:
        message_id = await post_message(
            db, user_id=owner.id, reference="hello:2", title=TITLE, body=BODY
        )
    response = await client.post(f"/v1/me/inbox/{message_id}/read", headers=other.headers)
    assert response.status_code == 404
    assert (await client.get("/v1/me/inbox", headers=other.headers)).json()["items"] == []


async def test_the_inbox_pages_newest_first_without_repeats(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
) -> None:
    learner = await user_factory()
    async with sessionmaker.begin() as db:
        ids = [
            await post_message(db, user_id=learner.id, reference=f"n:{i}", title=TITLE, body=BODY)
            for i in range(5)
        ]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/me/inbox", params=params, headers=learner.headers)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(str(i) for i in ids)
    assert len(seen) == 5


async def test_the_export_lists_the_inbox_and_erasure_deletes_it(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
) -> None:
    learner = await user_factory()
    async with sessionmaker.begin() as db:
        await post_message(db, user_id=learner.id, reference="hello:3", title=TITLE, body=BODY)
    export = (await client.get("/v1/me/export", headers=learner.headers)).json()
    assert [m["title"] for m in export["campaigns"]["inbox"]] == [TITLE]
    assert (await client.delete("/v1/me", headers=learner.headers)).status_code == 204
    async with sessionmaker() as db:
        assert await user_messages(db, learner.id) == []
