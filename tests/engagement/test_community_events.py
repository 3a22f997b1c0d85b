"""Community events feed engagement: reading someone else's post counts once per post (the
"read a post" quest), and publishing a post counts for the "posts published" badge."""

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.badges.catalogue import save_badges
from gamification.quests.catalogue import Quest, save_quests
from tests.community.helpers import community, member, published_post
from tests.engagement.catalogue import BADGES, QUESTS
from tests.factories import UserFactory

__all__ = ["community"]  # the community's fixture (seed rules, a market), requested below

READ_A_POST = Quest(
    "daily-read-post", "daily", "post_read", 1, 5, 5, {"zh-CN": "读帖", "en": "Read a post"}
)


async def test_reading_posts_completes_the_read_quest_once_and_publishing_earns_the_badge(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_factory: UserFactory,
    clock: FrozenClock,
    community: None,
) -> None:
    daily = [*[q for q in QUESTS if q.cadence == "daily"][:2], READ_A_POST]
    async with sessionmaker.begin() as db:
        await save_badges(db, list(BADGES), now=clock.now())
        await save_quests(db, daily + [q for q in QUESTS if q.cadence != "daily"], now=clock.now())
    author, reader = await member(user_factory), await member(user_factory)
    post_id = await published_post(client, author)
    for _ in range(2):  # reading again counts nothing more
        assert (await client.get(f"/v1/posts/{post_id}", headers=reader.headers)).status_code == 200
    assert (await client.get(f"/v1/posts/{post_id}", headers=author.headers)).status_code == 200
    async with sessionmaker() as db:
        reads = await db.scalar(
            sa.text("SELECT sum(count) FROM engagement_day_count WHERE kind = 'post_read'")
        )
        paid = await db.scalar(
            sa.text("SELECT count(*) FROM quest_completion WHERE quest_id = 'daily-read-post'")
        )
        badges = set(
            await db.scalars(
                sa.text("SELECT badge_id FROM badge_award WHERE user_id = :u"), {"u": author.id}
            )
        )
    assert (reads, paid) == (1, 1)
    assert "poster" in badges
