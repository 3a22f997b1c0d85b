"""Likes: one per user and post (the reaction's primary key), and the post's `like_count`
moved by the same statement that inserts or deletes the like, under the post's row lock: the
count is exact however many like at once."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.community.errors import PostNotFound

_LIKE = sa.text("""
    WITH post AS (
        SELECT id FROM community_post WHERE id = :post_id AND status = 'published'
    ), liked AS (
        INSERT INTO community_reaction (post_id, user_id, kind, created_at)
        SELECT id, :user_id, 'like', :now FROM post
        ON CONFLICT DO NOTHING
        RETURNING post_id
    ), counted AS (
        UPDATE community_post SET like_count = like_count + 1
        WHERE id = (SELECT post_id FROM liked)
        RETURNING like_count
    )
    SELECT (SELECT id FROM post) AS post_id,
           coalesce((SELECT like_count FROM counted),
                    (SELECT like_count FROM community_post WHERE id = :post_id)) AS like_count
""")
_UNLIKE = sa.text("""
    WITH post AS (
        SELECT id FROM community_post WHERE id = :post_id AND status = 'published'
    ), unliked AS (
        DELETE FROM community_reaction
        WHERE post_id = (SELECT id FROM post) AND user_id = :user_id AND kind = 'like'
        RETURNING post_id
    ), counted AS (
        UPDATE community_post SET like_count = like_count - 1
        WHERE id = (SELECT post_id FROM unliked)
        RETURNING like_count
    )
    SELECT (SELECT id FROM post) AS post_id,
           coalesce((SELECT like_count FROM counted),
                    (SELECT like_count FROM community_post WHERE id = :post_id)) AS like_count
""")


async def like(db: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> int:
    """Like a published post (once; again changes nothing) and return its like count."""
    row = (await db.execute(_LIKE, {"post_id": post_id, "user_id": user_id, "now": now})).one()
    if row.post_id is None:
        raise PostNotFound()
    return int(row.like_count)


async def unlike(db: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID) -> int:
    row = (await db.execute(_UNLIKE, {"post_id": post_id, "user_id": user_id})).one()
    if row.post_id is None:
        raise PostNotFound()
    return int(row.like_count)
