"""The inbox: any domain posts a message to a learner with `post_message` (or one per row of
a query with `post_messages_from`); learners page through theirs, newest first, and mark them
read.

Posting is idempotent by `reference` (a unique index): the same reference again writes nothing.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.ids import new_id
from core.messages import MESSAGE_LOCALES
from gamification.campaigns.errors import InboxMessageNotFound
from gamification.campaigns.links import DeepLink, parse_link
from gamification.campaigns.models import InboxMessage

TITLE_MAX = 120
BODY_MAX = 2000
REFERENCE_MAX = 200

INBOX = InboxMessage.__table__  # type: ignore[attr-defined]


def texts_problem(texts: Mapping[str, str], *, max_length: int) -> str | None:
    """Why `texts` (locale -> text) cannot be a title or body, or None."""
    if not texts:
        return f"needs a text in {' or '.join(MESSAGE_LOCALES)}"
    for locale, text in texts.items():
        if locale not in MESSAGE_LOCALES:
            return f"unknown locale {locale!r}: use {' or '.join(MESSAGE_LOCALES)}"
        if not isinstance(text, str) or not text.strip() or len(text) > max_length:
            return f"the {locale} text must be 1 to {max_length} characters"
    return None


def _checked(
    reference: str, title: Mapping[str, str], body: Mapping[str, str], deep_link: str | None
) -> None:
    """A poster's programming error, not a learner's input: refused with ValueError."""
    if not 0 < len(reference) <= REFERENCE_MAX:
        raise ValueError(f"a reference is 1 to {REFERENCE_MAX} characters")
    for name, texts, limit in (("title", title, TITLE_MAX), ("body", body, BODY_MAX)):
        problem = texts_problem(texts, max_length=limit)
        if problem is not None:
            raise ValueError(f"message {name}: {problem}")
    if deep_link is not None:
        parse_link(deep_link)


async def post_message(
    session: AsyncSession,
    *,
    user_id: UUID,
    reference: str,
    title: Mapping[str, str],
    body: Mapping[str, str],
    deep_link: str | None = None,
) -> UUID | None:
    """Put a message in `user_id`'s inbox, in the caller's transaction, and return its id;
    None when a message with this `reference` exists already (then nothing is written).

    `title` and `body` are keyed by locale ("zh-CN", "en"); the inbox shows the reader's
    locale, else the other. `deep_link` is `kind:id` with kind lesson, course, contest or
    voucher_product."""
    _checked(reference, title, body, deep_link)
    statement = (
        insert(INBOX)
        .values(
            id=new_id(),
            user_id=user_id,
            reference=reference,
            title=dict(title),
            body=dict(body),
            deep_link=deep_link,
            created_at=sa.func.now(),
        )
        .on_conflict_do_nothing(index_elements=["reference"])
        .returning(INBOX.c.id)
    )
    message_id: UUID | None = await session.scalar(statement)
    return message_id


POSTED_COLUMNS = ("user_id", "reference", "title", "body", "deep_link")


async def post_messages_from(session: AsyncSession, query: str, params: Mapping[str, Any]) -> int:
    """Post a message for every row of the SQL `query` (columns POSTED_COLUMNS, in that
    order; `params` its bound values), in the caller's transaction and one INSERT ... SELECT,
    and return how many were written.

    For posters that build their messages from their own rows at a scale (a league week's
    million results) where carrying each through Python costs more than the insert: the
    texts never leave the database, so the query itself must make them (1 to TITLE_MAX /
    BODY_MAX characters, in the shipped locales); a reference over REFERENCE_MAX characters
    fails the statement (the column's limit), so nothing is half-written."""
    columns = ", ".join(POSTED_COLUMNS)
    # The poster's own SQL (never a learner's text); every value in it is a bound parameter.
    statement = sa.text(
        f"INSERT INTO campaign_inbox_message (id, {columns}, created_at) "  # noqa: S608
        f"SELECT uuid_v7(), {columns}, now() FROM ({query}) AS posted({columns}) "
        "ON CONFLICT (reference) DO NOTHING"
    )
    result = await session.execute(statement, dict(params))
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class InboxItem:
    id: uuid.UUID
    title: str
    body: str
    link: DeepLink | None
    created_at: datetime
    read_at: datetime | None


def in_locale(texts: Mapping[str, Any], locale: str) -> str:
    """The text in `locale`, else in the other shipped locale."""
    for choice in (locale, *MESSAGE_LOCALES):
        text = texts.get(choice)
        if text:
            return str(text)
    return ""


def _visible(user_id: uuid.UUID, now: datetime) -> Any:
    return sa.and_(
        col(InboxMessage.user_id) == user_id,
        sa.or_(col(InboxMessage.held_until).is_(None), col(InboxMessage.held_until) <= now),
    )


async def inbox_page(
    db: AsyncSession,
    user_id: uuid.UUID,
    *,
    now: datetime,
    locale: str,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[InboxItem]:
    """The user's messages newest first, `limit` of them after the cursor's (created_at, id)."""
    query = sa.select(InboxMessage).where(_visible(user_id, now))
    if after is not None:
        key = sa.tuple_(col(InboxMessage.created_at), col(InboxMessage.id))
        query = query.where(key < sa.tuple_(*after))
    rows = await db.scalars(
        query.order_by(col(InboxMessage.created_at).desc(), col(InboxMessage.id).desc()).limit(
            limit
        )
    )
    return [
        InboxItem(
            id=row.id,
            title=in_locale(row.title, locale),
            body=in_locale(row.body, locale),
            link=parse_link(row.deep_link) if row.deep_link else None,
            created_at=row.created_at,
            read_at=row.read_at,
        )
        for row in rows
    ]


async def unread_count(db: AsyncSession, user_id: uuid.UUID, *, now: datetime) -> int:
    query = sa.select(sa.func.count()).where(
        _visible(user_id, now), col(InboxMessage.read_at).is_(None)
    )
    return int(await db.scalar(query) or 0)


async def mark_read(
    db: AsyncSession, user_id: uuid.UUID, message_id: uuid.UUID, *, now: datetime
) -> datetime:
    """Mark the user's message read (once: reading again keeps the first time); someone
    else's message, or one still held, is not found."""
    read_at = await db.scalar(
        sa.update(InboxMessage)
        .where(_visible(user_id, now), col(InboxMessage.id) == message_id)
        .values(read_at=sa.func.coalesce(col(InboxMessage.read_at), now))
        .returning(col(InboxMessage.read_at))
    )
    if not isinstance(read_at, datetime):
        raise InboxMessageNotFound()
    return read_at


async def user_messages(db: AsyncSession, user_id: uuid.UUID) -> list[InboxMessage]:
    """Every message of the user, held ones included (the personal-data export)."""
    rows = await db.scalars(
        sa.select(InboxMessage)
        .where(col(InboxMessage.user_id) == user_id)
        .order_by(col(InboxMessage.created_at))
    )
    return list(rows.all())


async def erase_messages(db: AsyncSession, user_id: uuid.UUID) -> None:
    await db.execute(sa.delete(InboxMessage).where(col(InboxMessage.user_id) == user_id))
