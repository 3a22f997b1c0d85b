"""The feed page on the wire: its rows (`gamification.community.reads.feed`) straight into
msgspec structs, encoded once into the response body.

The hottest community read skips what other routes spend per item: no view objects, no copy
of each struct to write its timestamps (the statement writes them as `api.timestamps` does),
no second walk by the response class (the body is bytes). The structs are `PostPage`'s shape,
which the OpenAPI document shows.
"""

import uuid

import msgspec
from msgspec import Struct

from api.community.schemas import AuthorOut, LabelOut
from api.pagination import encode_cursor
from core.driver_reads import Row
from gamification.community.screening import RuleSet

_ENCODER = msgspec.json.Encoder()


class _FeedItem(Struct):
    """`PostOut`, with `created_at` already written (`2026-03-02T01:30:00.000Z`)."""

    id: uuid.UUID
    author: AuthorOut
    body: str
    tags: list[str]
    symbols: list[str]
    status: str
    labels: list[LabelOut]
    like_count: int
    comment_count: int
    liked_by_me: bool
    created_at: str
    matched_rules: list[str] | None


class _FeedPage(Struct):
    items: list[_FeedItem]
    next_cursor: str | None


def feed_page_body(rows: list[Row], limit: int, rules: RuleSet, locale: str) -> bytes:
    """The page's JSON: its first `limit` rows (one more says there is a next page)."""
    items = []
    for (
        post_id,
        author_name,
        body,
        tags,
        symbols,
        status,
        labels,
        matched_rules,
        like_count,
        comment_count,
        liked_by_me,
        created,
        _,
    ) in rows[:limit]:
        items.append(
            _FeedItem(
                post_id,
                AuthorOut(author_name),
                body,
                tags,
                symbols,
                status,
                _labels(labels, rules, locale) if labels else [],
                like_count,
                comment_count,
                liked_by_me,
                created,
                matched_rules,
            )
        )
    next_cursor = None
    if len(rows) > limit and limit > 0:
        last = rows[limit - 1]
        next_cursor = encode_cursor((last[-1], last[0]))
    return _ENCODER.encode(_FeedPage(items, next_cursor))


def _labels(labels: list[str], rules: RuleSet, locale: str) -> list[LabelOut]:
    """A label rule since taken out of the live rules is no longer shown."""
    shown = []
    for label in labels:
        text = rules.label_text(label, locale)
        if text is not None:
            shown.append(LabelOut(id=label, text=text))
    return shown
