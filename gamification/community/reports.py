"""Reports of posts: one per reporter and post, ever (a unique key, so a second is a 409 even
under concurrency). Each report counts the post's open reports; the third distinct reporter
hides a published post until a moderator decides. A decision closes the open reports with its
outcome, which each reporter sees."""

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from gamification.community.errors import AlreadyReported, OwnPostReport, PostNotFound
from gamification.community.models import CommunityPost, CommunityReport

REASONS = ("stock_tip", "scam", "harassment", "spam", "personal_data", "other")
HIDE_AT_REPORTERS = 3

# A hidden post may still be reported: members who saw it before it was hidden add to the case.
_REPORTABLE = sa.select(col(CommunityPost.user_id)).where(
    col(CommunityPost.id) == sa.bindparam("post_id"),
    col(CommunityPost.status).in_(("published", "hidden")),
)
_FILE = (
    insert(CommunityReport.__table__)  # type: ignore[attr-defined]
    .on_conflict_do_nothing(index_elements=["post_id", "reporter_id"])
    .returning(col(CommunityReport.id))
)
_open = col(CommunityPost.open_reports)
_COUNT = (
    sa.update(CommunityPost)
    .where(col(CommunityPost.id) == sa.bindparam("post_id"))
    .values(
        open_reports=_open + 1,
        queued_at=sa.func.coalesce(col(CommunityPost.queued_at), sa.bindparam("now")),
        status=sa.case(
            (
                sa.and_(_open + 1 >= HIDE_AT_REPORTERS, col(CommunityPost.status) == "published"),
                "hidden",
            ),
            else_=col(CommunityPost.status),
        ),
    )
    .returning(col(CommunityPost.status))
)
_CLOSE = (
    sa.update(CommunityReport)
    .where(
        col(CommunityReport.post_id) == sa.bindparam("reported_post"),
        col(CommunityReport.outcome).is_(None),
    )
    .values(outcome=sa.bindparam("decided_outcome"), decided_at=sa.bindparam("decided_now"))
)


@dataclass(frozen=True)
class FiledReport:
    id: uuid.UUID
    post_status: str  # `hidden` once the third member reported it


async def report_post(
    db: AsyncSession,
    *,
    post_id: uuid.UUID,
    reporter_id: uuid.UUID,
    reason: str,
    detail: str | None,
    now: datetime,
) -> FiledReport:
    """File the report; the post's status after it is `hidden` from the third reporter on.
    404 unless the post is published (or hidden); 422 on one's own post; 409 the second time."""
    author = await db.scalar(_REPORTABLE, {"post_id": post_id})
    if author is None:
        raise PostNotFound()
    if author == reporter_id:
        raise OwnPostReport()
    report_id = new_id()
    report = {
        "id": report_id,
        "post_id": post_id,
        "reporter_id": reporter_id,
        "reason": reason,
        "detail": detail,
        "created_at": now,
        "outcome": None,
        "decided_at": None,
    }
    if await db.scalar(_FILE, report) is None:
        raise AlreadyReported()
    status: str = (await db.execute(_COUNT, {"post_id": post_id, "now": now})).scalar_one()
    return FiledReport(report_id, status)


async def close_reports(
    db: AsyncSession, *, post_id: uuid.UUID, outcome: str, now: datetime
) -> None:
    """The post's open reports end with the decision: approved (it stays), hidden or removed."""
    await db.execute(
        _CLOSE, {"reported_post": post_id, "decided_outcome": outcome, "decided_now": now}
    )


async def reports_by(
    db: AsyncSession,
    *,
    reporter_id: uuid.UUID,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[CommunityReport]:
    """The reporter's reports, newest first, with their outcome."""
    key = sa.tuple_(col(CommunityReport.created_at), col(CommunityReport.id))
    query = (
        sa.select(CommunityReport)
        .where(col(CommunityReport.reporter_id) == reporter_id)
        .order_by(col(CommunityReport.created_at).desc(), col(CommunityReport.id).desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(key < sa.tuple_(*after))
    return list(await db.scalars(query))
