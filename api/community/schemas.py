"""Bodies of the community routes. Texts are plain text: stored and returned as written, never
as markup. `matched_rules` is shown to the author and to moderators only."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from api.pagination import Page
from gamification.community.models import (
    COMMENT_BODY_MAX,
    DECISION_REASON_MAX,
    POST_BODY_MAX,
    REPORT_DETAIL_MAX,
    SYMBOLS_MAX,
    TAG_MAX,
    TAGS_MAX,
)

Status = Literal["published", "pending", "hidden", "removed"]
ReportReason = Literal["stock_tip", "scam", "harassment", "spam", "personal_data", "other"]


class PostIn(Struct, forbid_unknown_fields=True):
    body: Annotated[str, Meta(max_length=POST_BODY_MAX, description="Plain text.")]
    tags: Annotated[list[Annotated[str, Meta(max_length=TAG_MAX)]], Meta(max_length=TAGS_MAX)] = []
    symbols: Annotated[
        list[Annotated[str, Meta(max_length=16)]],
        Meta(max_length=SYMBOLS_MAX, description="Listed instruments, e.g. 600519.SH."),
    ] = []


class AuthorOut(Struct):
    display_name: str | None  # null once the member deleted their account


class LabelOut(Struct):
    id: str  # not_investment_advice, or the id of a label rule
    text: str


class CommentOut(Struct):
    id: uuid.UUID
    post_id: uuid.UUID
    author: AuthorOut
    body: str
    status: Status
    created_at: datetime
    matched_rules: list[str] | None = None  # the author's and moderators' eyes only


class PostOut(Struct):
    id: uuid.UUID
    author: AuthorOut
    body: str
    tags: list[str]
    symbols: list[str]
    status: Status
    labels: list[LabelOut]
    like_count: int
    comment_count: int
    liked_by_me: bool
    created_at: datetime
    matched_rules: list[str] | None = None  # the author's and moderators' eyes only


class PostDetailOut(PostOut, kw_only=True):
    comments: list[CommentOut]  # the first page, oldest first
    comments_next_cursor: str | None  # the `cursor` of GET /v1/posts/{id}/comments for more


class CommentPage(Page[CommentOut]):
    pass


class PostPage(Page[PostOut]):
    pass


class CommentIn(Struct, forbid_unknown_fields=True):
    body: Annotated[str, Meta(max_length=COMMENT_BODY_MAX, description="Plain text.")]


class ReactionIn(Struct, forbid_unknown_fields=True):
    kind: Literal["like"]


class ReactionOut(Struct):
    like_count: int
    liked_by_me: bool


class ReportIn(Struct, forbid_unknown_fields=True):
    reason: ReportReason
    detail: Annotated[str, Meta(max_length=REPORT_DETAIL_MAX)] | None = None


class ReportFiledOut(Struct):
    id: uuid.UUID
    status: Literal["received"]


class MyReportOut(Struct):
    id: uuid.UUID
    post_id: uuid.UUID
    reason: ReportReason
    detail: str | None
    created_at: datetime
    outcome: Literal["pending", "approved", "hidden", "removed"]
    decided_at: datetime | None


class MyReportPage(Page[MyReportOut]):
    pass


class QueueItemOut(Struct):
    kind: Literal["post", "comment"]
    id: uuid.UUID
    post_id: uuid.UUID
    author: AuthorOut
    body: str
    status: Status
    matched_rules: list[str]
    report_count: int
    report_reasons: dict[str, int]
    queued_at: datetime
    created_at: datetime


class QueuePage(Page[QueueItemOut]):
    pass


class DecisionIn(Struct, forbid_unknown_fields=True):
    action: Literal["approve", "hide", "remove"]
    reason: Annotated[str, Meta(min_length=1, max_length=DECISION_REASON_MAX)]


class DecisionOut(Struct):
    id: uuid.UUID
    kind: Literal["post", "comment"]
    previous_status: Status
    status: Status
