"""The community feeds the engagement: a published post counts for the author's "posts
published" badge, and a published post read by someone else counts once per reader and post
for the "read a post" quests (the author's own reads do not)."""

import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from tests.community.helpers import community, member, published_post
from tests.engagement.conftest import LoadCatalogue
from tests.factories import UserFactory

__all__ = ["community"]  # fixtures used by name
pytestmark = pytest.mark.usefixtures("community")

# The only weekly quest: read two posts this week.
READ_QUEST = sa.text(
    "UPDATE quest_template SET enabled = false WHERE cadence = 'weekly';"
    "INSERT INTO quest_template (id, cadence, kind, target, points, xp, title, months, "
    "badge_id, enabled, updated_at) VALUES ('weekly-read-two', 'weekly', 'post_read', 2, 15, 5, "
    '\'{"en": "Read 2 posts", "zh-CN": "阅读 2 篇帖子"}\', NULL, NULL, true, now())'
)


async def test_reads_by_others_complete_the_read_quest_once_and_posts_earn_the_badge(
    client: AsyncClient,
    user_factory: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    load_catalogue: LoadCatalogue,
) -> None:
    await load_catalogue()
    async with sessionmaker.begin() as db:
        for statement in str(READ_QUEST).split(";"):
            await db.execute(sa.text(statement))
    author, reader = await member(user_factory), await member(user_factory)
    posts = [await published_post(client, author, f"今天学了止损 {n}") for n in range(3)]
    for post_id in [posts[0], posts[0], posts[1], posts[2]]:  # one read twice
        assert (await client.get(f"/v1/posts/{post_id}", headers=reader.headers)).is_success
    for post_id in posts:  # the author's own reads count for nothing
        assert (await client.get(f"/v1/posts/{post_id}", headers=author.headers)).is_success
    async with sessionmaker() as db:
        rows = await db.execute(
            sa.text(
                "SELECT u.email || ':' || c.kind AS name, c.value FROM engagement_counter c "
                "JOIN user_account u ON u.id = c.user_id "
                "WHERE c.kind IN ('post_read', 'posts_published')"
            )
        )
        counters = {row.name: int(row.value) for row in rows}
        completions = (
            await db.execute(sa.text("SELECT user_id, quest_id, points, xp FROM quest_completion"))
        ).all()
        badges = set(
            (
                await db.scalars(
                    sa.text("SELECT badge_id FROM badge_award WHERE user_id = :u"),
                    {"u": author.id},
                )
            ).all()
        )
    assert counters == {f"{reader.email}:post_read": 3, f"{author.email}:posts_published": 3}
    assert [tuple(c) for c in completions] == [(reader.id, "weekly-read-two", 15, 5)]
    assert "poster" in badges
    quests = (await client.get("/v1/me/quests", headers=reader.headers)).json()
    assert (quests["weekly"]["id"], quests["weekly"]["completed"]) == ("weekly-read-two", True)
