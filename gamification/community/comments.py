"""Comments: one level under a published post, screened like posts, counted on the post only
while published."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from gamification.community.content import body_problem
from gamification.community.errors import Blocked, InvalidContent, PostNotFound
from gamification.community.models import COMMENT_BODY_MAX, CommunityComment, CommunityPost
from gamification.community.screening import RuleSet
from gamification.community.throttle import RateLimits, count_comment

# Locks the post row: a comment and a decision on the post are taken one after the other.
_COMMENTABLE = (
    sa.select(col(CommunityPost.id))
    .where(
        col(CommunityPost.id) == sa.bindparam("post_id"), col(CommunityPost.status) == "published"
    )
    .with_for_update()
)


def comment_count_change(post_id: uuid.UUID, delta: int) -> sa.Update:
    return (
        sa.update(CommunityPost)
        .where(col(CommunityPost.id) == post_id)
        .values(comment_count=col(CommunityPost.comment_count) + delta)
    )


async def write_comment(
    db: AsyncSession,
    *,
    post_id: uuid.UUID,
    author_id: uuid.UUID,
    body: str,
    rules: RuleSet,
    limits: RateLimits,
    now: datetime,
) -> CommunityComment:
    """404 unless the post is published; 422 for a bad body or a blocking rule; 429 over the
    rate; a held comment is `pending`."""
    problem = body_problem(body, COMMENT_BODY_MAX)
    if problem is not None:
        raise InvalidContent([("body", problem)])
    verdict = rules.screen(body)
    if verdict.blocked_by is not None:
        raise Blocked(verdict.blocked_by)
    if await db.scalar(_COMMENTABLE, {"post_id": post_id}) is None:
        raise PostNotFound()
    await count_comment(db, user_id=author_id, limits=limits, now=now)
    comment = CommunityComment(
        id=new_id(),
        post_id=post_id,
        user_id=author_id,
        body=body.strip(),
        status="pending" if verdict.held else "published",
        matched_rules=list(verdict.matched),
        queued_at=now if verdict.held else None,
        created_at=now,
    )
    db.add(comment)
    await db.flush()
    if not verdict.held:
        await db.execute(comment_count_change(post_id, 1))
    return comment
