"""From the community's views to the API's bodies, and the settings the services take."""

import uuid
from datetime import timedelta
from typing import Any

from litestar import Request

from api.accounts.caller import Caller, Role
from api.community.rule_book import RuleBook
from api.community.schemas import AuthorOut, CommentOut, LabelOut, PostOut, QueueItemOut
from api.settings import Settings
from gamification.community.moderation import QueueItem
from gamification.community.posts import PostingPolicy
from gamification.community.screening import RuleSet
from gamification.community.throttle import RateLimits
from gamification.community.views import CommentView, PostView


def live_rules(request: Request[Any, Any, Any]) -> RuleSet:
    """The rules live in this process now (`api.community.rule_book`)."""
    book: RuleBook = request.app.state.rule_book
    return book.rules


def rate_limits(settings: Settings) -> RateLimits:
    return RateLimits(
        posts_per_hour=settings.community_posts_per_hour,
        posts_per_day=settings.community_posts_per_day,
        comments_per_minute=settings.community_comments_per_minute,
    )


def posting_policy(settings: Settings, rules: RuleSet) -> PostingPolicy:
    return PostingPolicy(
        rules=rules,
        limits=rate_limits(settings),
        new_account_hold=timedelta(hours=settings.community_new_account_hold_hours),
    )


def moderates(caller: Caller) -> bool:
    return caller.has_role(Role.MODERATOR)


def _may_see_rules(author_id: uuid.UUID, caller: Caller) -> bool:
    return author_id == caller.user_id or moderates(caller)


def post_out(view: PostView, caller: Caller, rules: RuleSet, locale: str) -> PostOut:
    labels = []
    for label in view.labels:
        text = rules.label_text(label, locale)
        if text is not None:  # a label rule since taken out of the file is no longer shown
            labels.append(LabelOut(id=label, text=text))
    return PostOut(
        id=view.id,
        author=AuthorOut(view.author_name),
        body=view.body,
        tags=view.tags,
        symbols=view.symbols,
        status=view.status,  # type: ignore[arg-type]
        labels=labels,
        like_count=view.like_count,
        comment_count=view.comment_count,
        liked_by_me=view.liked_by_me,
        created_at=view.created_at,
        matched_rules=view.matched_rules if _may_see_rules(view.author_id, caller) else None,
    )


def comment_out(view: CommentView, caller: Caller) -> CommentOut:
    return CommentOut(
        id=view.id,
        post_id=view.post_id,
        author=AuthorOut(view.author_name),
        body=view.body,
        status=view.status,  # type: ignore[arg-type]
        created_at=view.created_at,
        matched_rules=view.matched_rules if _may_see_rules(view.author_id, caller) else None,
    )


def queue_item_out(item: QueueItem) -> QueueItemOut:
    return QueueItemOut(
        kind=item.kind,  # type: ignore[arg-type]
        id=item.id,
        post_id=item.post_id,
        author=AuthorOut(item.author_name),
        body=item.body,
        status=item.status,  # type: ignore[arg-type]
        matched_rules=item.matched_rules,
        report_count=item.report_count,
        report_reasons=item.report_reasons,
        queued_at=item.queued_at,
        created_at=item.created_at,
    )
