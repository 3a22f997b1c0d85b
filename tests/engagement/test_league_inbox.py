"""A league week's result in the inbox: the close writes no message, the inbox renders one from
each `league_result` row (`campaign_inbox_entry`, migration 0041), and learners page, count,
read, export and erase it as any other message."""

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gamification.campaigns.inbox import post_message
from gamification.leagues.closing import close_past_weeks
from gamification.leagues.service import add_league_xp
from tests.engagement.catalogue import align_league_places
from tests.engagement.conftest import LoadCatalogue
from tests.engagement.test_leagues import MONDAY, NEXT_MONDAY, SHANGHAI
from tests.factories import TestUser, UserFactory
from tests.outcomes.helpers import events_of

NEXT_WEEK = date(2026, 3, 9)
TITLE = {"zh-CN": "比赛成绩单", "en": "Your report card"}
BODY = {"zh-CN": "看看你的表现。", "en": "See how you did."}


async def play_and_close(
    sessionmaker: async_sessionmaker[AsyncSession], learners: list[TestUser]
) -> None:
    """The learners in one bronze cohort, the first with the most XP; the week closed."""
    async with sessionmaker.begin() as db:
        await align_league_places(db)
        for place, learner in enumerate(learners):
            await add_league_xp(
                db,
                user_id=learner.id,
                xp=100 - place,
                now=MONDAY + timedelta(seconds=place),
                business_timezone=SHANGHAI,
            )
    await close_past_weeks(sessionmaker, current_week=NEXT_WEEK, now=NEXT_MONDAY, lot_days=365)


async def test_the_weeks_result_is_an_inbox_message_read_once_only_by_its_learner(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    winner, other = await user_factory(locale="en"), await user_factory(locale="en")
    await play_and_close(sessionmaker, [winner, other])
    async with sessionmaker() as db:
        posted = await db.scalar(sa.text("SELECT count(*) FROM campaign_inbox_message"))
    assert posted == 0  # rendered from the results, not written
    headers = {**winner.headers, "Accept-Language": "en"}
    page = (await client.get("/v1/me/inbox", headers=headers)).json()
    (item,) = page["items"]
    assert page["unread"] == 1
    assert (item["title"], item["link"], item["read_at"]) == ("Your league week", None, None)
    assert item["body"] == (
        "You finished #1 in the Bronze league with 100 XP. Promoted to Silver! Prize: 50 points."
    )
    assert item["created_at"] == "2026-03-08T16:00:30.000Z"  # the close's time
    zh = await client.get("/v1/me/inbox", headers={**winner.headers, "Accept-Language": "zh-CN"})
    assert zh.json()["items"][0]["body"].startswith("你在Bronze（中文）联赛中以 100 XP 排名第 1。")
    assert zh.json()["items"][0]["id"] == item["id"]  # the same message on every read

    stranger = await client.post(f"/v1/me/inbox/{item['id']}/read", headers=other.headers)
    assert stranger.status_code == 404
    read = await client.post(f"/v1/me/inbox/{item['id']}/read", headers=headers)
    assert read.status_code == 200, read.text
    again = await client.post(f"/v1/me/inbox/{item['id']}/read", headers=headers)
    assert again.json()["read_at"] == read.json()["read_at"]
    assert await events_of(sessionmaker, winner.id, "inbox_read") == [("inbox_read", None)]
    after = (await client.get("/v1/me/inbox", headers=headers)).json()
    assert after["unread"] == 0
    assert after["items"][0]["read_at"] == read.json()["read_at"]
    others = (await client.get("/v1/me/inbox", headers=other.headers)).json()
    assert others["unread"] == 1  # the other learner's own result, still unread
    assert others["items"][0]["id"] != item["id"]


async def test_league_results_and_posted_messages_page_together_newest_first(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    learner = await user_factory(locale="en")
    async with sessionmaker.begin() as db:
        for n in range(2):
            await post_message(
                db, user_id=learner.id, reference=f"hello:{n}", title=TITLE, body=BODY
            )
    await play_and_close(sessionmaker, [learner])
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/me/inbox", params=params, headers=learner.headers)).json()
        assert page["unread"] == 3
        seen += [(item["id"], item["created_at"]) for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len({message_id for message_id, _ in seen}) == 3
    assert [at for _, at in seen] == sorted((at for _, at in seen), reverse=True)


async def test_a_week_closed_before_rendering_keeps_the_message_it_posted(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
) -> None:
    """Weeks closed before migration 0041 posted their messages: those stay, ids and all, and
    their results are not rendered a second time."""
    learner = await user_factory(locale="en")
    week = date(2026, 2, 23)
    async with sessionmaker.begin() as db:
        await db.execute(
            sa.text(
                "INSERT INTO league_week (week_start, closed_at, members, prizes,"
                " results_in_inbox) VALUES (:w, :now, 1, 0, false);"
            ),
            {"w": week, "now": MONDAY},
        )
        await db.execute(
            sa.text(
                "INSERT INTO league_result (week_start, user_id, cohort_id, tier, rank, xp,"
                " outcome, new_tier, prize_points, closed_at)"
                " VALUES (:w, :u, :c, 0, 1, 10, 'stayed', 0, 0, :now)"
            ),
            {"w": week, "u": learner.id, "c": uuid.uuid4(), "now": MONDAY},
        )
        posted = await post_message(
            db,
            user_id=learner.id,
            reference=f"league-week:{week}:{learner.id}",
            title={"en": "Your league week"},
            body={"en": "You finished #1."},
        )
    page = (await client.get("/v1/me/inbox", headers=learner.headers)).json()
    assert [item["id"] for item in page["items"]] == [str(posted)]
    assert page["unread"] == 1


async def test_the_export_lists_league_results_and_erasure_removes_them(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    learner = await user_factory(locale="en")
    await play_and_close(sessionmaker, [learner])
    export = (await client.get("/v1/me/export", headers=learner.headers)).json()
    (message,) = export["campaigns"]["inbox"]
    assert message["title"]["en"] == "Your league week"
    assert message["read_at"] is None
    assert (await client.delete("/v1/me", headers=learner.headers)).status_code == 204
    async with sessionmaker() as db:
        left = await db.scalar(
            sa.text("SELECT count(*) FROM campaign_inbox_entry WHERE user_id = :u"),
            {"u": learner.id},
        )
    assert left == 0
