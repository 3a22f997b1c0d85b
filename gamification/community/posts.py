"""Writing and deleting posts.

A post is checked (`content.py`), screened by the compliance filter (`screening.py`), counted
against its author's rate limits (`throttle.py`), then stored with one row per topic. A
blocked post writes nothing; a held one, or one from an account younger than the hold, is
`pending` in the moderation queue; a published one hands back `PostPublished`.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from gamification.community.content import Draft, post_draft
from gamification.community.errors import Blocked, InvalidContent, PostNotFound
from gamification.community.events import PostPublished
from gamification.community.models import (
    POST_BODY_MAX,
    CommunityPost,
    CommunityPostTopic,
)
from gamification.community.reports import close_reports
from gamification.community.screening import (
    NEW_ACCOUNT_HOLD,
    NOT_INVESTMENT_ADVICE,
    RuleSet,
    names_a_security,
)
from gamification.community.throttle import RateLimits, count_post
from gamification.contests.market_models import Instrument


@dataclass(frozen=True)
class Author:
    user_id: uuid.UUID
    joined_at: datetime  # the account's creation: young accounts are held


@dataclass(frozen=True)
class PostingPolicy:
    rules: RuleSet
    limits: RateLimits
    new_account_hold: timedelta  # zero: no hold


@dataclass(frozen=True)
class PostWritten:
    post: CommunityPost
    published: PostPublished | None  # None while it waits for a moderator


_KNOWN_SYMBOLS = sa.select(col(Instrument.symbol)).where(
    col(Instrument.symbol).in_(sa.bindparam("symbols", expanding=True))
)
_ANY_INSTRUMENT = sa.select(sa.exists().where(sa.true()).select_from(Instrument))


async def _unknown_symbols(db: AsyncSession, symbols: tuple[str, ...]) -> list[tuple[str, str]]:
    """Symbols must name listed instruments once the market has any (else the shape is
    enough)."""
    if not symbols or not await db.scalar(_ANY_INSTRUMENT):
        return []
    known = set(await db.scalars(_KNOWN_SYMBOLS, {"symbols": list(symbols)}))
    return [
        (f"symbols[{index}]", "not a listed instrument")
        for index, symbol in enumerate(symbols)
        if symbol not in known
    ]


async def write_post(
    db: AsyncSession,
    *,
    author: Author,
    body: str,
    tags: list[str],
    symbols: list[str],
    policy: PostingPolicy,
    now: datetime,
) -> PostWritten:
    """422 for bad fields or a blocking rule (nothing written), 429 over a rate limit."""
    draft, problems = post_draft(body, tags, symbols, max_length=POST_BODY_MAX)
    problems += await _unknown_symbols(db, draft.symbols)
    if problems:
        raise InvalidContent(problems)
    verdict = policy.rules.screen(" ".join((draft.body, *draft.tags)))
    if verdict.blocked_by is not None:
        raise Blocked(verdict.blocked_by)
    await count_post(db, user_id=author.user_id, limits=policy.limits, now=now)
    matched = list(verdict.matched)
    young = policy.new_account_hold > timedelta(0) and now - author.joined_at < (
        policy.new_account_hold
    )
    if young:
        matched.append(NEW_ACCOUNT_HOLD)
    held = verdict.held or young
    post = CommunityPost(
        id=new_id(),
        user_id=author.user_id,
        body=draft.body,
        tags=list(draft.tags),
        symbols=list(draft.symbols),
        status="pending" if held else "published",
        matched_rules=matched,
        labels=_labels(draft, verdict.labels),
        queued_at=now if held else None,
        created_at=now,
        published_at=None if held else now,
    )
    db.add(post)
    db.add_all(_topics(post))
    await db.flush()
    published = None if held else PostPublished(post.id, author.user_id, now, False)
    return PostWritten(post, published)


def _labels(draft: Draft, rule_labels: tuple[str, ...]) -> list[str]:
    named = bool(draft.symbols) or names_a_security(draft.body)
    return [*rule_labels, NOT_INVESTMENT_ADVICE] if named else list(rule_labels)


def _topics(post: CommunityPost) -> list[CommunityPostTopic]:
    topics = [f"tag:{tag}" for tag in post.tags] + [f"symbol:{s}" for s in post.symbols]
    return [
        CommunityPostTopic(topic=t, created_at=post.created_at, post_id=post.id) for t in topics
    ]


_REMOVE = (
    sa.update(CommunityPost)
    .where(
        col(CommunityPost.id) == sa.bindparam("post_id"),
        col(CommunityPost.status) != "removed",
        sa.or_(
            col(CommunityPost.user_id) == sa.bindparam("caller_id"),
            sa.bindparam("moderator", type_=sa.Boolean),
        ),
    )
    .values(status="removed", queued_at=None, open_reports=0, decided_at=sa.bindparam("now"))
    .returning(col(CommunityPost.user_id))
)


async def delete_post(
    db: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID, moderator: bool, now: datetime
) -> uuid.UUID:
    """The author, or a moderator, removes the post; anyone else (or a post already removed)
    gets 404. Open reports end as `removed`. Returns the post's author."""
    author = await db.scalar(
        _REMOVE, {"post_id": post_id, "caller_id": user_id, "moderator": moderator, "now": now}
    )
    if author is None:
        raise PostNotFound()
    await close_reports(db, post_id=post_id, outcome="removed", now=now)
    return author


__all__ = [
    "Author",
    "PostWritten",
    "PostingPolicy",
    "delete_post",
    "write_post",
]
