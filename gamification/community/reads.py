"""Reading posts: the feed (newest first, by keyset on (created_at, id), optionally of one tag
or symbol), one post, and its comments (oldest first, by keyset on (created_at, id)). Each
read is one prebuilt statement.

The feed is published posts, plus the caller's own pending and hidden ones (with their
status). The unfiltered feed walks the partial index of published posts; a filtered one walks
the topic index; the caller's own posts come from the author index. A deep page costs what
the first one does.
"""

import functools
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.driver_reads import DriverRead, Row
from gamification.community.errors import PostNotFound
from gamification.community.views import CommentView, PostView

FEED_LIMIT_MAX = 101  # a page of 100, and one more to know there is a next page

_COLUMNS = """
    p.id, p.user_id AS author_id, u.display_name AS author_name, p.body, p.tags, p.symbols,
    p.status, p.labels, p.matched_rules, p.like_count, p.comment_count, p.created_at,
    EXISTS (
        SELECT FROM community_reaction r
        WHERE r.post_id = p.id AND r.user_id = :me AND r.kind = 'like'
    ) AS liked_by_me
"""
_OWN_TOPIC = {
    None: "",
    "tag": "AND :value = ANY (p.tags)",
    "symbol": "AND :value = ANY (p.symbols)",
}


_POST_COLUMNS = """p.id, p.user_id, p.body, p.tags, p.symbols, p.status, p.labels,
    p.matched_rules, p.like_count, p.comment_count, p.created_at"""
# What a feed row holds, in this order (the api unpacks it): only what the page shows. The
# rules that matched go to the post's author and to moderators only (null for everyone else);
# the time comes written as every response writes it (`api.timestamps`), and raw for the
# next cursor.
_PAGE_COLUMNS = """
    page.id,
    (SELECT u.display_name FROM user_account u WHERE u.id = page.user_id) AS author_name,
    page.body, page.tags, page.symbols, page.status,
    page.labels,
    CASE WHEN page.user_id = :me OR CAST(:moderator AS boolean) THEN page.matched_rules END
        AS matched_rules,
    page.like_count, page.comment_count,
    EXISTS (
        SELECT FROM community_reaction r
        WHERE r.post_id = page.id AND r.user_id = :me AND r.kind = 'like'
    ) AS liked_by_me,
    to_char(page.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created,
    page.created_at
"""


@functools.cache
def _feed_read(topic: str | None, after: bool, limit: int) -> DriverRead:
    """One statement per shape, compiled once and sent straight to the driver: a page is one
    round trip. Both parts read their rows straight off their index; the author (a subquery:
    a join hashed the whole account table, 0.2 of 0.7 ms at 1,000 members) and the caller's like
    are looked up by key for the page's rows only. The limit is written into the
    statement: as a parameter, PostgreSQL's generic plan (asyncpg prepares statements) would
    guess a tenth of the table and hash-join the authors."""
    before = "AND (p.created_at, p.id) < (:after_at, :after_id)" if after else ""
    if topic is None:
        published = f"""
            SELECT {_POST_COLUMNS} FROM community_post p
            WHERE p.status = 'published' {before}
            ORDER BY p.created_at DESC, p.id DESC LIMIT {limit}"""  # noqa: S608 - constants and an int
    else:
        topic_before = "AND (t.created_at, t.post_id) < (:after_at, :after_id)" if after else ""
        published = f"""
            SELECT {_POST_COLUMNS} FROM community_post_topic t
            JOIN community_post p ON p.id = t.post_id AND p.status = 'published'
            WHERE t.topic = :topic {topic_before}
            ORDER BY t.created_at DESC, t.post_id DESC LIMIT {limit}"""  # noqa: S608 - constants and an int
    own = f"""
        SELECT {_POST_COLUMNS} FROM community_post p
        WHERE p.user_id = :me AND p.status IN ('pending', 'hidden') {before} {_OWN_TOPIC[topic]}
        ORDER BY p.created_at DESC, p.id DESC LIMIT {limit}"""  # noqa: S608 - constants and an int
    statement = f"""
        WITH page AS (
            ({published}) UNION ALL ({own})
            ORDER BY created_at DESC, id DESC LIMIT {limit}
        )
        SELECT {_PAGE_COLUMNS}
        FROM page
        ORDER BY page.created_at DESC, page.id DESC"""  # noqa: S608 - constants and an int
    return DriverRead(sa.text(statement))


async def feed(
    db: AsyncSession,
    *,
    viewer_id: uuid.UUID,
    moderator: bool,
    tag: str | None,
    symbol: str | None,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[Row]:
    """Up to `limit` rows, newest first, with `_PAGE_COLUMNS` in their order."""
    kind, value = ("tag", tag) if tag is not None else ("symbol", symbol)
    topic = kind if value is not None else None
    params: dict[str, object] = {"me": viewer_id, "moderator": moderator}
    if topic is not None:
        params |= {"topic": f"{topic}:{value}", "value": value}
    if after is not None:
        params |= {"after_at": after[0], "after_id": after[1]}
    read = _feed_read(topic, after is not None, max(1, min(int(limit), FEED_LIMIT_MAX)))
    return await read.all(db, **params)


_POST = sa.text(f"""
    SELECT {_COLUMNS}
    FROM community_post p JOIN user_account u ON u.id = p.user_id
    WHERE p.id = :post_id AND (
        p.status = 'published'
        OR (p.user_id = :me AND p.status <> 'removed')
        OR CAST(:moderator AS boolean)
    )""")  # noqa: S608 - constants and an int; every value is a bound parameter
_VISIBLE_POST = sa.text("""
    SELECT TRUE FROM community_post p
    WHERE p.id = :post_id AND (
        p.status = 'published'
        OR (p.user_id = :me AND p.status <> 'removed')
        OR CAST(:moderator AS boolean)
    )""")


@functools.cache
def _comments_sql(after: bool, limit: int) -> sa.TextClause:
    """Oldest first, by keyset on (created_at, id) over the (post_id, created_at, id) index: a
    deep page costs what the first one does. The limit is written in, as in `_feed_sql`."""
    later = "AND (c.created_at, c.id) > (:after_at, :after_id)" if after else ""
    return sa.text(f"""
        SELECT c.id, c.post_id, c.user_id AS author_id, u.display_name AS author_name, c.body,
               c.status, c.matched_rules, c.created_at
        FROM community_comment c JOIN user_account u ON u.id = c.user_id
        WHERE c.post_id = :post_id {later} AND (
            c.status = 'published'
            OR (c.user_id = :me AND c.status IN ('pending', 'hidden'))
            OR (CAST(:moderator AS boolean) AND c.status <> 'removed')
        )
        ORDER BY c.created_at, c.id LIMIT {limit}""")  # noqa: S608 - constants and an int


async def read_post(
    db: AsyncSession, *, post_id: uuid.UUID, viewer_id: uuid.UUID, moderator: bool
) -> PostView:
    """404 unless the post is published, the viewer's own (not removed), or the viewer
    moderates."""
    params = {"post_id": post_id, "me": viewer_id, "moderator": moderator}
    row = (await db.execute(_POST, params)).one_or_none()
    if row is None:
        raise PostNotFound()
    return PostView.of(row)


async def comments_page(
    db: AsyncSession,
    *,
    post_id: uuid.UUID,
    viewer_id: uuid.UUID,
    moderator: bool,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    post_checked: bool = False,
) -> list[CommentView]:
    """Up to `limit` comments after the cursor, oldest first: published ones, the viewer's own
    pending and hidden ones, and every one not removed for a moderator. 404 as `read_post`
    unless the caller has just read the post (`post_checked`)."""
    params: dict[str, object] = {"post_id": post_id, "me": viewer_id, "moderator": moderator}
    if not post_checked and (await db.execute(_VISIBLE_POST, params)).first() is None:
        raise PostNotFound()
    if after is not None:
        params |= {"after_at": after[0], "after_id": after[1]}
    statement = _comments_sql(after is not None, max(1, min(int(limit), FEED_LIMIT_MAX)))
    return [CommentView.of(row) for row in await db.execute(statement, params)]
