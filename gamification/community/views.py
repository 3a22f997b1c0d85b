"""What the community's reads return: plain values the api layer shapes."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PostView:
    id: uuid.UUID
    author_id: uuid.UUID
    author_name: str | None
    body: str
    tags: list[str]
    symbols: list[str]
    status: str
    labels: list[str]
    matched_rules: list[str]
    like_count: int
    comment_count: int
    liked_by_me: bool
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> "PostView":
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class CommentView:
    id: uuid.UUID
    post_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str | None
    body: str
    status: str
    matched_rules: list[str]
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> "CommentView":
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})
