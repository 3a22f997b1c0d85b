"""The learner's inbox: messages from campaigns and from the app (report cards, leagues)."""

import uuid
from datetime import datetime
from typing import cast

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.campaigns.inbox_schemas import InboxItemOut, InboxPage, LinkKind, LinkOut, ReadOut
from api.openapi import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, make_page, page_request
from core.clock import Clock
from gamification.campaigns.inbox import InboxItem, inbox_page, mark_read, unread_count


def _item_out(item: InboxItem) -> InboxItemOut:
    link = None if item.link is None else LinkOut(cast(LinkKind, item.link.kind), item.link.id)
    return InboxItemOut(
        id=item.id,
        title=item.title,
        body=item.body,
        link=link,
        created_at=item.created_at,
        read_at=item.read_at,
    )


class InboxController(Controller):
    path = "/v1/me/inbox"
    tags = ("inbox",)

    @get(
        "",
        operation_id="listMyInbox",
        summary="The caller's messages, newest first, with how many are unread",
        responses=problem_responses(400, 401, 422),
    )
    async def inbox(
        self,
        locale: NamedDependency[str],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> InboxPage:
        """Each message in the caller's locale (else the other one it was written in). A
        campaign message sent in the caller's quiet hours (22:00-08:00) appears at 08:00."""
        now = clock.now()
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        after = (page.after[0], page.after[1]) if page.after else None
        rows = await inbox_page(
            db, caller.user_id, now=now, locale=locale, limit=limit + 1, after=after
        )
        items, next_cursor = make_page(rows, limit, lambda item: (item.created_at, item.id))
        return InboxPage(
            items=[_item_out(item) for item in items],
            next_cursor=next_cursor,
            unread=await unread_count(db, caller.user_id, now=now),
        )

    @post(
        "/{message_id:uuid}/read",
        operation_id="readInboxMessage",
        summary="Mark a message read",
        status_code=200,
        responses=problem_responses(400, 401, 404),
    )
    async def read(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        message_id: FromPath[uuid.UUID],
    ) -> ReadOut:
        """Reading again is 200 and keeps the first time; another learner's message is 404."""
        read_at = await mark_read(db, caller.user_id, message_id, now=clock.now())
        return ReadOut(id=message_id, read_at=read_at)
