"""Learners' community routes: the feed, posts, comments, likes and reports."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.audit import audit_request
from api.community.feed_page import feed_page_body
from api.community.publishing import on_post_published
from api.community.schemas import (
    CommentIn,
    CommentOut,
    CommentPage,
    PostDetailOut,
    PostIn,
    PostOut,
    PostPage,
    ReactionIn,
    ReactionOut,
    ReportFiledOut,
    ReportIn,
)
from api.community.shaping import (
    comment_out,
    live_rules,
    moderates,
    post_out,
    posting_policy,
    rate_limits,
)
from api.database import request_session
from api.engagement.events import report_event
from api.idempotency import OptionalIdempotencyKey, run_idempotent
from api.locale import AcceptLanguage, pick_locale
from api.openapi import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, make_page, page_request
from api.settings import Settings
from api.timestamps import TimestampedResponse
from core.clock import Clock
from gamification.community.comments import write_comment
from gamification.community.content import body_problem
from gamification.community.errors import InvalidContent
from gamification.community.models import REPORT_DETAIL_MAX
from gamification.community.posts import Author, delete_post, write_post
from gamification.community.reactions import like, unlike
from gamification.community.reads import comments_page, feed, read_post
from gamification.community.reports import report_post
from gamification.community.screening import RuleSet
from gamification.community.views import CommentView, PostView
from gamification.engagement.kinds import POST_READ

TagFilter = Annotated[
    str | None,
    QueryParameter(
        name="tag", min_length=1, max_length=24, description="Only posts with this tag."
    ),
]
SymbolFilter = Annotated[
    str | None,
    QueryParameter(
        name="symbol",
        pattern=r"^[0-9]{6}\.(SH|SZ|BJ)$",
        description="Only posts about this instrument, e.g. 600519.SH.",
    ),
]


class PostController(Controller):
    path = "/v1/posts"
    tags = ("community",)
    dependencies = {"rules": Provide(live_rules, sync_to_thread=False)}  # noqa: RUF012 - Litestar reads it as a class attribute

    @get(
        "/",
        operation_id="listPosts",
        summary="The feed: published posts, newest first, with the caller's own pending ones",
        responses={
            200: ResponseSpec(data_container=PostPage, description="A page of the feed"),
            **problem_responses(400, 401, 422),
        },
    )
    async def list_posts(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        tag: TagFilter = None,
        symbol: SymbolFilter = None,
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
        accept_language: AcceptLanguage = None,
    ) -> Response[bytes]:
        """One filter at a time: `tag` or `symbol` (both is a 422). One statement, sent straight
        to the driver; the body is encoded once (`api.community.feed_page`). It reads through
        the request's session without the `db` dependency: a plain read begins no transaction,
        so there is nothing to commit, and the generator dependency's cleanup was a cost of
        its own on the hottest community read. For the same reason it picks the locale and the
        live rules itself rather than through the `locale` and `rules` dependencies (a
        dependency with a parameter of its own is validated on every request): the same
        `Accept-Language` header, documented the same way, and the same rules."""
        if tag is not None and symbol is not None:
            raise InvalidContent([("symbol", "filter by tag or by symbol, not both")])
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        after = (page.after[0], page.after[1]) if page.after else None
        rows = await feed(
            request_session(request.scope),
            viewer_id=caller.user_id,
            moderator=moderates(caller),
            tag=tag.casefold() if tag is not None else None,
            symbol=symbol,
            limit=limit + 1,
            after=after,
        )
        locale = pick_locale(accept_language, caller.locale)
        body = feed_page_body(rows, limit, live_rules(request), locale)
        return Response(body, media_type=MediaType.JSON)

    @post(
        "/",
        operation_id="createPost",
        summary="Write a post; the compliance filter publishes, holds or refuses it",
        status_code=201,
        responses={
            201: ResponseSpec(
                data_container=PostOut,
                description="The post: `published`, or `pending` with the rules that held it",
            ),
            **problem_responses(400, 401, 422, 429),
        },
    )
    async def create(
        self,
        locale: NamedDependency[str],
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        rules: NamedDependency[RuleSet],
        caller: NamedDependency[Caller],
        data: JSONBody[PostIn],
        idempotency_key: OptionalIdempotencyKey = None,
    ) -> Response[Any]:
        """422 `content-blocked` with the rule's message (and `rule_id`) when a rule refuses
        it; 422 `validation-error` naming each bad field; 429 over COMMUNITY_POSTS_PER_HOUR or
        COMMUNITY_POSTS_PER_DAY, with Retry-After. Posts naming a security carry the
        `not_investment_advice` label."""
        now = clock.now()

        async def effect() -> tuple[int, Any]:
            written = await write_post(
                db,
                author=Author(caller.user_id, caller.created_at),
                body=data.body,
                tags=data.tags,
                symbols=data.symbols,
                policy=posting_policy(settings, rules),
                now=now,
            )
            await on_post_published(db, settings, written.published, now=now)
            row = written.post
            view = PostView(
                id=row.id,
                author_id=row.user_id,
                author_name=caller.account.display_name,
                body=row.body,
                tags=row.tags,
                symbols=row.symbols,
                status=row.status,
                labels=row.labels,
                matched_rules=row.matched_rules,
                like_count=0,
                comment_count=0,
                liked_by_me=False,
                created_at=row.created_at,
            )
            return 201, post_out(view, caller, rules, locale)

        if idempotency_key is None:
            status, content = await effect()
            return TimestampedResponse(content, status_code=status)
        return await run_idempotent(
            db,
            request,
            clock,
            caller=f"user:{caller.user_id}",
            key=idempotency_key,
            body=data,
            effect=effect,
            refusals_write_nothing=True,  # every refusal comes before any write
        )

    @get(
        "/{post_id:uuid}",
        operation_id="getPost",
        summary="A post with its first page of comments, oldest first",
        responses=problem_responses(400, 401, 404),
    )
    async def detail(
        self,
        locale: NamedDependency[str],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        rules: NamedDependency[RuleSet],
        caller: NamedDependency[Caller],
        clock: NamedDependency[Clock],
        post_id: FromPath[uuid.UUID],
    ) -> PostDetailOut:
        """404 unless the post is published, the caller's own, or the caller moderates.
        `comments` is the first page of DEFAULT_LIMIT (20); `comments_next_cursor` reads on in
        `GET /v1/posts/{id}/comments`. Reading someone else's published post counts for the
        "read a post" quest (once per post); a moderator reading a held post does not."""
        moderator = moderates(caller)
        view = await read_post(db, post_id=post_id, viewer_id=caller.user_id, moderator=moderator)
        comments = await comments_page(
            db,
            post_id=post_id,
            viewer_id=caller.user_id,
            moderator=moderator,
            limit=DEFAULT_LIMIT + 1,
            after=None,
            post_checked=True,
        )
        shown, next_cursor = make_page(comments, DEFAULT_LIMIT, _comment_key)
        if view.status == "published" and view.author_id != caller.user_id:
            await report_event(
                db, caller, settings, kind=POST_READ, reference=f"post:{post_id}", now=clock.now()
            )
        shaped = post_out(view, caller, rules, locale)
        return PostDetailOut(
            **{field: getattr(shaped, field) for field in shaped.__struct_fields__},
            comments=[comment_out(comment, caller) for comment in shown],
            comments_next_cursor=next_cursor,
        )

    @get(
        "/{post_id:uuid}/comments",
        operation_id="listComments",
        summary="A post's comments, oldest first, a page at a time",
        responses=problem_responses(400, 401, 404, 422),
    )
    async def comments(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        post_id: FromPath[uuid.UUID],
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> CommentPage:
        """404 as for the post itself. Published comments, the caller's own pending and hidden
        ones, and (for a moderator) all but removed ones; keyset on (created_at, id), so a
        comment written while paging is neither skipped nor repeated."""
        page = page_request(limit, cursor, (datetime.fromisoformat, uuid.UUID))
        after = (page.after[0], page.after[1]) if page.after else None
        rows = await comments_page(
            db,
            post_id=post_id,
            viewer_id=caller.user_id,
            moderator=moderates(caller),
            limit=limit + 1,
            after=after,
        )
        shown, next_cursor = make_page(rows, limit, _comment_key)
        return CommentPage(
            items=[comment_out(comment, caller) for comment in shown], next_cursor=next_cursor
        )

    @delete(
        "/{post_id:uuid}",
        operation_id="deletePost",
        summary="Remove a post: its author, or a moderator",
        status_code=204,
        responses=problem_responses(400, 401, 404),
    )
    async def remove(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        post_id: FromPath[uuid.UUID],
    ) -> None:
        """Anyone else gets 404, as for a post that does not exist. A moderator's removal of
        another member's post is audited."""
        author = await delete_post(
            db,
            post_id=post_id,
            user_id=caller.user_id,
            moderator=moderates(caller),
            now=clock.now(),
        )
        if author != caller.user_id:
            await audit_request(
                db,
                request,
                caller,
                action="community.post.removed",
                object_type="community_post",
                object_id=str(post_id),
            )

    @post(
        "/{post_id:uuid}/comments",
        operation_id="createComment",
        summary="Comment on a published post; screened like posts",
        status_code=201,
        responses=problem_responses(400, 401, 404, 422, 429),
    )
    async def comment(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        settings: NamedDependency[Settings],
        rules: NamedDependency[RuleSet],
        caller: NamedDependency[Caller],
        post_id: FromPath[uuid.UUID],
        data: JSONBody[CommentIn],
    ) -> CommentOut:
        """`pending` when the filter holds it; 422 `content-blocked` when a rule refuses it;
        429 over COMMUNITY_COMMENTS_PER_MINUTE."""
        written = await write_comment(
            db,
            post_id=post_id,
            author_id=caller.user_id,
            body=data.body,
            rules=rules,
            limits=rate_limits(settings),
            now=clock.now(),
        )
        view = CommentView(
            id=written.id,
            post_id=written.post_id,
            author_id=written.user_id,
            author_name=caller.account.display_name,
            body=written.body,
            status=written.status,
            matched_rules=written.matched_rules,
            created_at=written.created_at,
        )
        return comment_out(view, caller)

    @post(
        "/{post_id:uuid}/reactions",
        operation_id="reactToPost",
        summary="Like a published post (once per member)",
        status_code=200,
        responses=problem_responses(400, 401, 404, 422),
    )
    async def react(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        post_id: FromPath[uuid.UUID],
        data: JSONBody[ReactionIn],
    ) -> ReactionOut:
        """Liking again changes nothing. The only kind is `like` (anything else is a 422)."""
        count = await like(db, post_id=post_id, user_id=caller.user_id, now=clock.now())
        return ReactionOut(like_count=count, liked_by_me=True)

    @delete(
        "/{post_id:uuid}/reactions/like",
        operation_id="unlikePost",
        summary="Take back a like",
        status_code=200,
        responses=problem_responses(400, 401, 404),
    )
    async def unreact(
        self,
        db: NamedDependency[AsyncSession],
        caller: NamedDependency[Caller],
        post_id: FromPath[uuid.UUID],
    ) -> ReactionOut:
        count = await unlike(db, post_id=post_id, user_id=caller.user_id)
        return ReactionOut(like_count=count, liked_by_me=False)

    @post(
        "/{post_id:uuid}/reports",
        operation_id="reportPost",
        summary="Report a post to the moderators",
        status_code=202,
        responses=problem_responses(400, 401, 404, 409, 422),
    )
    async def report(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        post_id: FromPath[uuid.UUID],
        data: JSONBody[ReportIn],
    ) -> ReportFiledOut:
        """409 `already-reported` the second time; 422 `own-post-report` on one's own post;
        404 unless the post is published. The third member to report a post hides it until a
        moderator decides; each reporter sees the outcome in `GET /v1/me/reports`."""
        detail = (data.detail or "").strip() or None
        problem = body_problem(detail, REPORT_DETAIL_MAX) if detail is not None else None
        if problem is not None:
            raise InvalidContent([("detail", problem)])
        filed = await report_post(
            db,
            post_id=post_id,
            reporter_id=caller.user_id,
            reason=data.reason,
            detail=detail,
            now=clock.now(),
        )
        return ReportFiledOut(id=filed.id, status="received")


def _comment_key(comment: CommentView) -> tuple[datetime, uuid.UUID]:
    return (comment.created_at, comment.id)
