"""Bodies of the inbox routes."""

import uuid
from datetime import datetime
from typing import Literal

from msgspec import Struct

LinkKind = Literal["lesson", "course", "contest", "voucher_product"]


class LinkOut(Struct):
    """Where the message leads in the app: a lesson or contest (id), a course (slug), a
    voucher product (id)."""

    kind: LinkKind
    id: str


class InboxItemOut(Struct):
    id: uuid.UUID
    title: str
    body: str
    link: LinkOut | None
    created_at: datetime
    read_at: datetime | None


class InboxPage(Struct):
    items: list[InboxItemOut]
    next_cursor: str | None
    unread: int


class ReadOut(Struct):
    id: uuid.UUID
    read_at: datetime
