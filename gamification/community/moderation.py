"""The moderation queue and moderators' decisions.

The queue holds every post and comment waiting for a moderator (held by the filter, or a post
with open reports), oldest first by the time it entered the queue. A decision (`approve`,
`hide`, `remove`) takes the item out of the queue, closes the post's open reports with its
outcome, and the first approval of a post publishes it (`PostPublished`). A removed item stays
removed. The api layer audits each decision.
"""

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from gamification.community.comments import comment_count_change
from gamification.community.errors import CommentNotFound, ModerationClosed, PostNotFound
from gamification.community.events import PostPublished
from gamification.community.models import CommunityComment, CommunityPost
from gamification.community.reports import close_reports

NEW_STATUS = {"approve": "published", "hide": "hidden", "remove": "removed"}
REPORT_OUTCOME = {"approve": "approved", "hide": "hidden", "remove": "removed"}


@dataclass(frozen=True)
class QueueItem:
    kind: str  # post | comment
    id: uuid.UUID
    post_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str | None
    body: str
    status: str
    matched_rules: list[str]
    report_count: int
    report_reasons: dict[str, int]
    queued_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class Decision:
    kind: str
    id: uuid.UUID
    author_id: uuid.UUID
    previous_status: str
    status: str
    published: PostPublished | None


_QUEUE_AFTER = "AND (queued_at, id) > (:after_at, :after_id)"


@functools.cache
def _queue_sql(after: bool, limit: int) -> sa.TextClause:
    """The limit is written in, as in the feed (a generic plan would guess it badly)."""
    keyset = _QUEUE_AFTER if after else ""
    return sa.text(f"""
        SELECT q.*, u.display_name AS author_name, coalesce(r.reasons, '{{}}') AS report_reasons
        FROM (
            (SELECT 'post' AS kind, id, id AS post_id, user_id AS author_id, body, status,
                    matched_rules, open_reports AS report_count, queued_at, created_at
             FROM community_post WHERE queued_at IS NOT NULL {keyset}
             ORDER BY queued_at, id LIMIT {limit})
            UNION ALL
            (SELECT 'comment', id, post_id, user_id, body, status, matched_rules, 0, queued_at,
                    created_at
             FROM community_comment WHERE queued_at IS NOT NULL {keyset}
             ORDER BY queued_at, id LIMIT {limit})
        ) q
        JOIN user_account u ON u.id = q.author_id
        LEFT JOIN LATERAL (
            SELECT jsonb_object_agg(reason, n) AS reasons FROM (
                SELECT reason, count(*) AS n FROM community_report
                WHERE post_id = q.id AND q.kind = 'post' AND outcome IS NULL GROUP BY reason
            ) counted
        ) r ON true
        ORDER BY q.queued_at, q.id LIMIT {limit}""")  # noqa: S608 - constants only


async def moderation_queue(
    db: AsyncSession, *, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> list[QueueItem]:
    params: dict[str, Any] = {}
    if after is not None:
        params |= {"after_at": after[0], "after_id": after[1]}
    rows = await db.execute(_queue_sql(after is not None, max(1, min(int(limit), 101))), params)
    return [QueueItem(**row._mapping) for row in rows]


async def decide_post(
    db: AsyncSession, *, post_id: uuid.UUID, action: str, reason: str, now: datetime
) -> Decision:
    """404 for no such post; 409 `moderation-closed` once it is removed."""
    post = await db.scalar(
        sa.select(CommunityPost).where(col(CommunityPost.id) == post_id).with_for_update()
    )
    if post is None:
        raise PostNotFound()
    if post.status == "removed":
        raise ModerationClosed()
    previous, status = post.status, NEW_STATUS[action]
    first_publication = status == "published" and post.published_at is None
    post.status = status
    post.queued_at = None
    post.open_reports = 0
    post.decided_at = now
    post.decision_reason = reason
    if first_publication:
        post.published_at = now
    await db.flush()
    await close_reports(db, post_id=post_id, outcome=REPORT_OUTCOME[action], now=now)
    published = PostPublished(post.id, post.user_id, now, True) if first_publication else None
    return Decision("post", post.id, post.user_id, previous, status, published)


async def decide_comment(
    db: AsyncSession, *, comment_id: uuid.UUID, action: str, reason: str, now: datetime
) -> Decision:
    """The post's row is locked first, as everywhere (see the package's lock order)."""
    post_id = await db.scalar(
        sa.select(col(CommunityComment.post_id)).where(col(CommunityComment.id) == comment_id)
    )
    if post_id is None:
        raise CommentNotFound()
    await db.execute(
        sa.select(col(CommunityPost.id)).where(col(CommunityPost.id) == post_id).with_for_update()
    )
    comment = (
        await db.execute(
            sa.select(CommunityComment)
            .where(col(CommunityComment.id) == comment_id)
            .with_for_update()
        )
    ).scalar_one()
    if comment.status == "removed":
        raise ModerationClosed()
    previous, status = comment.status, NEW_STATUS[action]
    comment.status = status
    comment.queued_at = None
    comment.decided_at = now
    comment.decision_reason = reason
    await db.flush()
    delta = (status == "published") - (previous == "published")
    if delta:
        await db.execute(comment_count_change(comment.post_id, delta))
    return Decision("comment", comment.id, comment.user_id, previous, status, None)
