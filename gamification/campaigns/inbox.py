"""The inbox: any domain posts a message to a learner with `post_message`; learners page
through theirs, newest first, and mark them read.

Posting is idempotent by `reference` (a unique index): the same reference again writes nothing.

The inbox reads `campaign_inbox_entry` (migration 0041): the posted messages and, rendered from
the rows themselves, a message per league week result (a week's close of a million members
writes no message, one `league_result` row each already holds every value of it). Both kinds
page, count and read alike; `inbox_entry_read` marks either read.
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
# What learners read: the posted messages and the rendered league results (a view).
ENTRIES = sa.table("campaign_inbox_entry", *(sa.column(c.name, c.type) for c in INBOX.c))
_MARK_READ = sa.text("SELECT read_at FROM inbox_entry_read(:user_id, :id, :now) AS e(read_at)")


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
        ENTRIES.c.user_id == user_id,
        sa.or_(ENTRIES.c.held_until.is_(None), ENTRIES.c.held_until <= now),
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
    query = sa.select(ENTRIES).where(_visible(user_id, now))
    if after is not None:
        key = sa.tuple_(ENTRIES.c.created_at, ENTRIES.c.id)
        query = query.where(key < sa.tuple_(*after))
    rows = await db.execute(
        query.order_by(ENTRIES.c.created_at.desc(), ENTRIES.c.id.desc()).limit(limit)
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
    query = (
        sa.select(sa.func.count())
        .select_from(ENTRIES)
        .where(_visible(user_id, now), ENTRIES.c.read_at.is_(None))
    )
    return int(await db.scalar(query) or 0)


async def mark_read(
    db: AsyncSession, user_id: uuid.UUID, message_id: uuid.UUID, *, now: datetime
) -> datetime:
    """Mark the user's message read (once: reading again keeps the first time); someone
    else's message, or one still held, is not found."""
    read_at = await db.scalar(_MARK_READ, {"user_id": user_id, "id": message_id, "now": now})
    if not isinstance(read_at, datetime):
        raise InboxMessageNotFound()
    return read_at


async def user_messages(db: AsyncSession, user_id: uuid.UUID) -> list[InboxMessage]:
    """Every message of the user, held ones and league results included (the personal-data
    export); built from the rows, in no session."""
    rows = await db.execute(
        sa.select(ENTRIES)
        .where(ENTRIES.c.user_id == user_id)
        .order_by(ENTRIES.c.created_at, ENTRIES.c.id)
    )
    return [InboxMessage.model_construct(**row._mapping) for row in rows]


async def erase_messages(db: AsyncSession, user_id: uuid.UUID) -> None:
    await db.execute(sa.delete(InboxMessage).where(col(InboxMessage.user_id) == user_id))
