"""A member's community data, for the export and for erasure.

Erasure empties the bodies of their posts and comments and marks them removed (the ids stay,
so threads and other members' reports still hold together), deletes their likes (each post's
count drops with it) and the free text of their reports."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.community.models import (
    CommunityComment,
    CommunityPost,
    CommunityReaction,
    CommunityReport,
)

_EXPORTED: dict[str, tuple[Any, Any, tuple[str, ...]]] = {
    "posts": (
        CommunityPost,
        CommunityPost.user_id,
        ("id", "body", "tags", "symbols", "status", "labels", "created_at", "published_at"),
    ),
    "comments": (
        CommunityComment,
        CommunityComment.user_id,
        ("id", "post_id", "body", "status", "created_at"),
    ),
    "reactions": (CommunityReaction, CommunityReaction.user_id, ("post_id", "kind", "created_at")),
    "reports": (
        CommunityReport,
        CommunityReport.reporter_id,
        ("id", "post_id", "reason", "detail", "created_at", "outcome", "decided_at"),
    ),
}


async def export_community(db: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    exported = {}
    for name, (model, owner, fields) in _EXPORTED.items():
        rows = await db.scalars(sa.select(model).where(col(owner) == user_id))
        exported[name] = [{field: getattr(row, field) for field in fields} for row in rows]
    return exported


_UNCOUNT_LIKES = sa.text("""
    WITH gone AS (
        DELETE FROM community_reaction WHERE user_id = :user_id RETURNING post_id
    )
    UPDATE community_post p SET like_count = p.like_count - n.likes
    FROM (SELECT post_id, count(*) AS likes FROM gone GROUP BY post_id) n
    WHERE p.id = n.post_id
""")
_UNCOUNT_COMMENTS = sa.text("""
    UPDATE community_post p SET comment_count = p.comment_count - n.comments
    FROM (
        SELECT post_id, count(*) AS comments FROM community_comment
        WHERE user_id = :user_id AND status = 'published' GROUP BY post_id
    ) n
    WHERE p.id = n.post_id
""")


async def erase_community(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await db.execute(_UNCOUNT_LIKES, {"user_id": user_id})
    await db.execute(_UNCOUNT_COMMENTS, {"user_id": user_id})
    erased = {"body": "", "status": "removed", "queued_at": None, "erased_at": now}
    await db.execute(
        sa.update(CommunityComment).where(col(CommunityComment.user_id) == user_id).values(erased)
    )
    await db.execute(
        sa.update(CommunityPost)
        .where(col(CommunityPost.user_id) == user_id)
        .values({**erased, "open_reports": 0})
    )
    await db.execute(
        sa.update(CommunityReport)
        .where(col(CommunityReport.reporter_id) == user_id)
        .values(detail=None)
    )
