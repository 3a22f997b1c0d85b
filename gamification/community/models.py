"""The community's tables: posts (with their topics for the filtered feeds), comments, likes,
reports and each author's rate windows. Counters (likes, comments, open reports) are columns
kept by conditional updates, never counted at read time. The invariants are CHECK and UNIQUE
constraints (migration 0021) as well as code."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from core.tables import id_field, utc_timestamp

USER_FK = "user_account.id"
POST_FK = "community_post.id"
STATUSES = ("published", "pending", "hidden", "removed")
POST_BODY_MAX = 2000
COMMENT_BODY_MAX = 500
REPORT_DETAIL_MAX = 500
DECISION_REASON_MAX = 500
TAG_MAX = 24
TAGS_MAX = 5
SYMBOLS_MAX = 5
RULE_ID_MAX = 48
_STATUS_CHECK = "status IN ('published', 'pending', 'hidden', 'removed')"
_ERASED_CHECK = "erased_at IS NULL OR (body = '' AND status = 'removed')"  # bodies go, ids stay


def _strings(length: int) -> sa.Column[list[str]]:
    return sa.Column(ARRAY(sa.String(length)), nullable=False, server_default="{}")


class CommunityPost(SQLModel, table=True):
    """A post. `queued_at` is set while it waits for a moderator (held by the filter, or
    reported); `open_reports` counts the distinct reporters since the last decision."""

    __tablename__ = "community_post"
    __table_args__ = (
        sa.CheckConstraint(_STATUS_CHECK, name="status"),
        sa.CheckConstraint(f"char_length(body) <= {POST_BODY_MAX}", name="body_length"),
        sa.CheckConstraint(_ERASED_CHECK, name="erased"),
        sa.CheckConstraint(
            "like_count >= 0 AND comment_count >= 0 AND open_reports >= 0", name="counts"
        ),
        sa.CheckConstraint(
            f"cardinality(tags) <= {TAGS_MAX} AND cardinality(symbols) <= {SYMBOLS_MAX}",
            name="topics",
        ),
        # The feed: published posts, newest first, read by keyset on (created_at, id).
        sa.Index(
            "ix_community_post_feed",
            sa.text("created_at DESC"),
            sa.text("id DESC"),
            postgresql_where=sa.text("status = 'published'"),
        ),
        sa.Index("ix_community_post_user_id_created_at", "user_id", "created_at", "id"),
        # The author's own posts in the feed: few, found without walking their published ones.
        sa.Index(
            "ix_community_post_unpublished",
            "user_id",
            "created_at",
            "id",
            postgresql_where=sa.text("status IN ('pending', 'hidden')"),
        ),
        sa.Index(
            "ix_community_post_queue",
            "queued_at",
            "id",
            postgresql_where=sa.text("queued_at IS NOT NULL"),
        ),
    )

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key=USER_FK)
    body: str = Field(max_length=POST_BODY_MAX)
    tags: list[str] = Field(default_factory=list, sa_column=_strings(TAG_MAX))
    symbols: list[str] = Field(default_factory=list, sa_column=_strings(9))
    status: str = Field(max_length=16)
    matched_rules: list[str] = Field(default_factory=list, sa_column=_strings(RULE_ID_MAX))
    labels: list[str] = Field(default_factory=list, sa_column=_strings(RULE_ID_MAX))
    like_count: int = 0
    comment_count: int = 0
    open_reports: int = 0
    queued_at: datetime | None = utc_timestamp(nullable=True)
    created_at: datetime = utc_timestamp()
    published_at: datetime | None = utc_timestamp(nullable=True)  # first time only
    decided_at: datetime | None = utc_timestamp(nullable=True)
    decision_reason: str | None = Field(default=None, max_length=DECISION_REASON_MAX)
    erased_at: datetime | None = utc_timestamp(nullable=True)


class CommunityPostTopic(SQLModel, table=True):
    """One row per tag (`tag:<tag>`) and symbol (`symbol:<code>`) of a post: the filtered feeds
    read this index by keyset, so a deep page costs what the first one does."""

    __tablename__ = "community_post_topic"

    topic: str = Field(max_length=32, primary_key=True)
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True), primary_key=True)
    post_id: uuid.UUID = Field(foreign_key=POST_FK, primary_key=True)


class CommunityComment(SQLModel, table=True):
    __tablename__ = "community_comment"
    __table_args__ = (
        sa.CheckConstraint(_STATUS_CHECK, name="status"),
        sa.CheckConstraint(f"char_length(body) <= {COMMENT_BODY_MAX}", name="body_length"),
        sa.CheckConstraint(_ERASED_CHECK, name="erased"),
        sa.Index("ix_community_comment_post_id_created_at", "post_id", "created_at", "id"),
        sa.Index("ix_community_comment_user_id", "user_id"),
        sa.Index(
            "ix_community_comment_queue",
            "queued_at",
            "id",
            postgresql_where=sa.text("queued_at IS NOT NULL"),
        ),
    )

    id: uuid.UUID = id_field()
    post_id: uuid.UUID = Field(foreign_key=POST_FK)
    user_id: uuid.UUID = Field(foreign_key=USER_FK)
    body: str = Field(max_length=COMMENT_BODY_MAX)
    status: str = Field(max_length=16)
    matched_rules: list[str] = Field(default_factory=list, sa_column=_strings(RULE_ID_MAX))
    queued_at: datetime | None = utc_timestamp(nullable=True)
    created_at: datetime = utc_timestamp()
    decided_at: datetime | None = utc_timestamp(nullable=True)
    decision_reason: str | None = Field(default=None, max_length=DECISION_REASON_MAX)
    erased_at: datetime | None = utc_timestamp(nullable=True)


class CommunityReaction(SQLModel, table=True):
    """One like per user and post: the primary key is what makes a like count exact."""

    __tablename__ = "community_reaction"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('like')", name="kind"),
        sa.Index("ix_community_reaction_user_id", "user_id"),
    )

    post_id: uuid.UUID = Field(foreign_key=POST_FK, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key=USER_FK, primary_key=True)
    kind: str = Field(max_length=16, primary_key=True)
    created_at: datetime = utc_timestamp()


class CommunityReport(SQLModel, table=True):
    """A report of a post; one per reporter and post, ever. `outcome` is the moderator's
    decision once taken (approved: the post stays; hidden; removed)."""

    __tablename__ = "community_report"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "reporter_id"),
        sa.CheckConstraint(
            "reason IN ('stock_tip', 'scam', 'harassment', 'spam', 'personal_data', 'other')",
            name="reason",
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('approved', 'hidden', 'removed')", name="outcome"
        ),
        sa.Index("ix_community_report_reporter_id_created_at", "reporter_id", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    post_id: uuid.UUID = Field(foreign_key=POST_FK)
    reporter_id: uuid.UUID = Field(foreign_key=USER_FK)
    reason: str = Field(max_length=16)
    detail: str | None = Field(default=None, max_length=REPORT_DETAIL_MAX)
    created_at: datetime = utc_timestamp()
    outcome: str | None = Field(default=None, max_length=16)
    decided_at: datetime | None = utc_timestamp(nullable=True)


class CommunityRate(SQLModel, table=True):
    """An author's rate windows, counted on one row so every replica sees the same numbers:
    each window starts at the first post (or comment) after the previous one ended."""

    __tablename__ = "community_rate"

    user_id: uuid.UUID = Field(foreign_key=USER_FK, primary_key=True)
    posts_hour_started_at: datetime | None = utc_timestamp(nullable=True)
    posts_in_hour: int = 0
    posts_day_started_at: datetime | None = utc_timestamp(nullable=True)
    posts_in_day: int = 0
    comments_minute_started_at: datetime | None = utc_timestamp(nullable=True)
    comments_in_minute: int = 0


class CommunityRuleSet(SQLModel, table=True):
    """A version of the compliance rules, as the compliance team wrote it (the document of
    `seed/moderation.yaml`: `labels` and `rules`). The highest version is live on every
    replica: inserting one NOTIFYs `investquest_moderation_rules` (migration 0033) and each
    process swaps its compiled rules when it hears it. Rows are never changed, so every version
    that was ever live stays readable."""

    __tablename__ = "community_rule_set"

    version: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.BigInteger, sa.Identity(always=True), primary_key=True),
    )
    document: dict[str, Any] = Field(sa_type=JSONB)
    source: str = Field(max_length=16)  # api: sent to the admin route; file: COMMUNITY_RULES_FILE
    created_by: uuid.UUID | None = Field(default=None, foreign_key=USER_FK)
    created_at: datetime = utc_timestamp()
